/**
 * The MCP adapter over a state directory: `createServer(options)` builds the server
 * with its tools, resources and prompts and returns it unconnected. Nothing starts
 * on import or on creation; the bin (src/cli.ts) connects it to stdio, or creates one
 * per HTTP session over shared workflows (src/mcp/http/).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { agentIdSchema, parseInput } from "../core/inputs.js";
import type { StoreNotice } from "../core/store-notices.js";
import type { SqliteSynchronous } from "../store/sqlite/database.js";
import { Workflows, type StoreKind } from "../workflows.js";
import { ClaimLedger } from "./claims.js";
import { ServerContext } from "./context.js";
import { sanitizeAgentId } from "./identity.js";
import { stderrLog, type Log } from "./log.js";
import { PACKAGE_NAME, packageVersion } from "./package-info.js";
import { registerPrompts } from "./prompts.js";
import { registerResources } from "./resources.js";
import { createServerLog, logStoreNotice } from "./server-log.js";
import { registerSubscriptions } from "./subscriptions.js";
import { registerTools } from "./tools/index.js";

export interface ServerOptions {
  /** The directory of workflow state files, `<state-dir>/<workflow>.json`; created on the first write. */
  stateDir: string;
  /** "json" (default): a state file per workflow; "sqlite": all in `<state-dir>/tasks.sqlite`, for big workflows. */
  store?: StoreKind | undefined;
  /** SQLite only: "full" (default) or "normal" (faster; a power cut may lose the last changes). */
  sqliteSynchronous?: SqliteSynchronous | undefined;
  /** "postgres" only (and needed by it): postgres://user:password@host:port/database. */
  databaseUrl?: string | undefined;
  /** "postgres" only: the schema holding the tables (default task_manager). */
  databaseSchema?: string | undefined;
  /** Claims older than this go back to pending (default 24; fractions allowed). */
  taskTimeoutHours?: number | undefined;
  /** Seconds to wait for a state file's lock before LOCK_TIMEOUT (default 5). */
  lockTimeout?: number | undefined;
  /** A fixed agent id for every call; by default the MCP client's name from `initialize`. */
  agentId?: string | undefined;
  /** Where the prompt Markdown files are (default: the package's `prompts/`). */
  promptsDir?: string | undefined;
  /** stderr by default; MCP log messages go to the client besides. */
  log?: Log | undefined;
  /** Abort it when shutting down: get_next_task calls waiting for a task return null at once. */
  stopWaiting?: AbortSignal | undefined;
  /**
   * Workflows shared with other servers of this process (one per HTTP session); the
   * store options above are then unused and the caller closes them. With them, store
   * notices reach this client through `storeNotices`.
   */
  workflows?: Workflows | undefined;
  /** Subscribes to the shared workflows' store notices; returns the function that stops it. */
  storeNotices?: ((listener: (notice: StoreNotice, workflow: string) => void) => () => void) | undefined;
}

const INSTRUCTIONS = `A task queue shared by several agents, in named workflows (argument "workflow", default "default").
Work loop: get_next_task claims a task for you (with wait_seconds it waits for one: do not poll); do it; complete_task (or release_task if you cannot finish); repeat. complete_task with claim_next: true also claims your next task.
Files: give create_task the paths (files, globs) a task will edit; tasks whose paths overlap never run at once. To edit files outside your task, reserve_paths first (not granted: someone else holds them) and release_paths when done.
Your identity is your MCP client's name; only the agent holding a claim may finish it. Refusals come back as "CODE: what to do".`;

/** The workflows of the server's state directory or database, as its options say. */
export function openWorkflows(options: ServerOptions, onNotice: (notice: StoreNotice, workflow: string) => void): Workflows {
  return new Workflows({
    stateDir: options.stateDir,
    store: options.store,
    sqliteSynchronous: options.sqliteSynchronous,
    databaseUrl: options.databaseUrl,
    databaseSchema: options.databaseSchema,
    taskTimeoutHours: options.taskTimeoutHours,
    lockTimeout: options.lockTimeout,
    onNotice,
  });
}

export function createServer(options: ServerOptions): McpServer {
  const fixedAgentId = options.agentId === undefined ? undefined : parseInput(agentIdSchema, options.agentId, "agent id");
  const server = new McpServer(
    { name: PACKAGE_NAME, version: packageVersion },
    { instructions: INSTRUCTIONS, capabilities: { logging: {} } },
  );
  const log = createServerLog(server, options.log ?? stderrLog);
  const workflows = options.workflows ?? openWorkflows(options, (notice, workflow) => logStoreNotice(log, notice, workflow));
  const context = new ServerContext(
    workflows,
    new ClaimLedger(),
    () => fixedAgentId ?? sanitizeAgentId(server.server.getClientVersion()?.name),
    (message) => log("error", message),
    options.stopWaiting,
  );
  if (options.workflows && options.storeNotices) {
    // Whoever shares the workflows writes their notices to stderr once; this client gets them as log messages.
    const clientLog = createServerLog(server, () => undefined);
    const stop = options.storeNotices((notice, workflow) => logStoreNotice(clientLog, notice, workflow));
    const { onclose } = server.server;
    server.server.onclose = () => {
      onclose?.();
      stop();
    };
  }
  registerTools(server, context);
  registerResources(server, context);
  registerSubscriptions(server, context);
  registerPrompts(server, context, options.promptsDir);
  return server;
}
