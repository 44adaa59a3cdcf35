/**
 * Imported first by the bin, before anything else is loaded: V8 is told to favour a
 * small heap over peak speed. Every MCP client starts a server process of its own, each
 * holding its workflows in memory, and their work waits on the disk and the lock far more
 * than on JavaScript (figures in docs/performance.md).
 *
 * The library leaves the choice to its host process.
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--optimize-for-size");
