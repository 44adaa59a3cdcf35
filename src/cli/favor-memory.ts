/**
 * Imported first by the bin, before anything else is loaded: V8 is told to favour a
 * small heap over peak speed. Every MCP client starts a server process of its own, so
 * four agents on one machine run four servers, each holding its workflows in memory;
 * their work waits on the disk and the lock far more than on JavaScript. With a
 * 50,000-task workflow this takes a server's peak RSS from about 205 MB to about 140 MB
 * (`npm run bench`, memory section). The library leaves the choice to its host process.
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--optimize-for-size");
