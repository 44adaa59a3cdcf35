/**
 * Runs the MCP server over stdio until the client goes away. On stdin closing,
 * SIGTERM or SIGINT it lets the call in flight finish (so its write completes and
 * its lock is released), then exits 0.
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallTracker } from "../mcp/call-tracker.js";
import { stderrLog } from "../mcp/log.js";
import { createServer } from "../mcp/server.js";
import type { ServeConfig } from "./serve-options.js";
import { assertUsableStateDir } from "./state-dir.js";

export async function serve(config: ServeConfig): Promise<void> {
  await assertUsableStateDir(config.stateDir);
  const calls = new CallTracker();
  const server = createServer({ ...config, calls, log: stderrLog });

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (calls.size > 0) stderrLog(`${why}: finishing ${calls.size} call(s) in flight`);
    await calls.settled();
    await server.close();
    process.exit(0);
  };
  process.stdin.once("end", () => void stop("stdin closed"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));

  await server.connect(new StdioServerTransport());
  stderrLog(`serving state directory ${config.stateDir}${config.agentId === undefined ? "" : ` as agent "${config.agentId}"`}`);
}
