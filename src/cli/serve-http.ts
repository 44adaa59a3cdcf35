/**
 * Runs the MCP server over Streamable HTTP (`--http`) until SIGTERM or SIGINT, then
 * lets the requests in flight be answered, closes every session and exits 0. Its
 * stderr is an operator's log: where it listens, then warnings and errors.
 */
import { McpHttpServer } from "../mcp/http/http-server.js";
import { stderrLog } from "../mcp/log.js";
import type { HttpConfig, ServeConfig } from "./serve-options.js";
import { assertReachableDatabase } from "./database-check.js";
import { assertUsableStateDir } from "./state-dir.js";
import { UsageError } from "./usage-error.js";

export async function serveHttp(config: ServeConfig, http: HttpConfig): Promise<void> {
  if (config.store === "postgres") await assertReachableDatabase(config);
  else await assertUsableStateDir(config.stateDir);
  if (config.agentId !== undefined) {
    stderrLog("--agent-id (or TASK_MANAGER_AGENT_ID) does not apply over HTTP and is ignored: each session claims as its client's name");
  }
  const { agentId: _ignored, ...storeConfig } = config;
  const { idleTimeoutSeconds, ...limits } = http;
  const server = await McpHttpServer.start({ ...storeConfig, ...limits, idleTimeoutMs: idleTimeoutSeconds * 1000, log: stderrLog }).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES" || code === "ENOTFOUND") {
      throw new UsageError(`cannot listen on ${http.host} port ${http.port} (${String(code)}): choose another --port or --host.`);
    }
    throw error;
  });

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (server.sessionCount > 0) stderrLog(`${why}: closing ${server.sessionCount} session(s), finishing ${server.inFlight} request(s) in flight`);
    await server.close();
    process.exit(0);
  };
  // `on`, not `once`: a second signal during the shutdown is ignored (stop runs once), not
  // left to Node's default handler, which would kill the process with calls unanswered.
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  stderrLog(`serving MCP at ${server.url}${http.token === undefined ? "" : " (bearer token required)"}`);
}
