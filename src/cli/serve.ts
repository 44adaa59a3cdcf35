/**
 * Runs the MCP server over stdio until the client goes away. On stdin closing,
 * SIGTERM or SIGINT it lets the requests in flight finish and be answered (so a
 * write completes and its lock is released), then exits 0. Started by a client it is
 * silent on stderr until something goes wrong.
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { DrainingTransport } from "../mcp/draining-transport.js";
import { stderrLog } from "../mcp/log.js";
import { createServer } from "../mcp/server.js";
import type { ServeConfig } from "./serve-options.js";
import { assertReachableDatabase } from "./database-check.js";
import { assertUsableStateDir } from "./state-dir.js";

export async function serve(config: ServeConfig): Promise<void> {
  if (config.store === "postgres") await assertReachableDatabase(config);
  else await assertUsableStateDir(config.stateDir);
  // Waits for a task would hold a shutdown up to their end: they stop first, answering null.
  const stopWaiting = new AbortController();
  const server = createServer({ ...config, log: stderrLog, stopWaiting: stopWaiting.signal });
  const transport = new DrainingTransport(new StdioServerTransport());

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    stopWaiting.abort();
    if (transport.inFlight > 0) stderrLog(`${why}: finishing ${transport.inFlight} request(s) in flight`);
    await transport.idle();
    await server.close();
    process.exit(0);
  };
  process.stdin.once("end", () => void stop("stdin closed"));
  // `on`, not `once`: a second signal during the shutdown must not reach Node's default, which kills.
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  await server.connect(transport);
  // A client shows any stderr line as an error, so only a person at a terminal is told what this is.
  if (process.stdin.isTTY) stderrLog(WAITING_AT_A_TERMINAL);
}

/** The one line a person who started the server by hand sees. */
export const WAITING_AT_A_TERMINAL = "waiting for an MCP client on stdin (Ctrl-C to stop; --help for the commands)";
