/**
 * What the server reports to whoever runs it: MCP log messages
 * (`notifications/message`, which a client may filter with `logging/setLevel`) once a
 * client has initialized, and stderr for `warning` and above: long lock waits, a stale lock
 * taken over, corrupt state files. Clients show every stderr line as an error, so routine
 * events such as expired leases released go to the client's log only.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import type { StoreNotice } from "../core/store-notices.js";
import type { Log } from "./log.js";

export type ServerLog = (level: LoggingLevel, message: string, details?: Record<string, unknown>) => void;

/** The logger name in MCP log messages. */
export const LOGGER = "task-manager";
/** Levels that also go to stderr: what an operator reading the client's server log should see. */
const STDERR_LEVELS: ReadonlySet<LoggingLevel> = new Set(["warning", "error", "critical", "alert", "emergency"]);
/** A lock held this long by someone else is worth a warning: a slow or stuck process, or heavy contention. */
const LONG_LOCK_WAIT_MS = 1_000;

export function createServerLog(server: McpServer, stderr: Log): ServerLog {
  return (level, message, details = {}) => {
    if (STDERR_LEVELS.has(level)) stderr(message);
    // Before initialization the client cannot take log messages; after the connection closed nobody can.
    if (!server.isConnected() || server.server.getClientCapabilities() === undefined) return;
    // The session id picks the level this client set with logging/setLevel (over HTTP, one per session).
    server.server.sendLoggingMessage({ level, logger: LOGGER, data: { message, ...details } }, server.server.transport?.sessionId).catch(() => undefined);
  };
}

/** A log for no client in particular: warnings and above to stderr, the rest nowhere. */
export function createStderrLog(stderr: Log): ServerLog {
  return (level, message) => {
    if (STDERR_LEVELS.has(level)) stderr(message);
  };
}

/** A store notice as a log message at a level that says how much it matters. */
export function logStoreNotice(log: ServerLog, notice: StoreNotice, workflow: string): void {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  switch (notice.kind) {
    case "lock_waited":
      log(
        notice.waitedMs >= LONG_LOCK_WAIT_MS ? "warning" : "info",
        `workflow ${workflow}: waited ${seconds(notice.waitedMs)} for the state file's lock`,
        { workflow, waited_ms: notice.waitedMs },
      );
      return;
    case "lock_timeout":
      log("error", `workflow ${workflow}: gave up after ${seconds(notice.waitedMs)} waiting for the state file's lock (LOCK_TIMEOUT); another process holds it`, {
        workflow,
        lock: `${notice.location}.lock`,
      });
      return;
    case "stale_lock_taken_over":
      log("warning", `workflow ${workflow}: took over a lock left by a dead or stalled process`, { workflow, file: notice.location });
      return;
    case "leases_expired": {
      const list = notice.leases.map((lease) => `${lease.taskId} (held by ${lease.holder ?? "nobody"}, attempt ${lease.attempt}, now ${lease.status ?? "?"})`);
      log("notice", `workflow ${workflow}: released ${notice.leases.length} expired claim(s): ${list.join(", ")}`, {
        workflow,
        tasks: notice.leases.map((lease) => ({ id: lease.taskId, holder: lease.holder, attempt: lease.attempt, status: lease.status ?? null })),
      });
      return;
    }
    case "state_file_corrupt":
      log("error", `workflow ${workflow}: ${notice.message}`, { workflow, file: notice.location, code: "STATE_FILE_CORRUPT" });
      return;
    case "not_durable":
      log("error", `workflow ${workflow}: a change was made, but the disk did not confirm it (the directory's fsync failed); a power loss could undo it`, { workflow, file: notice.location });
      return;
  }
}
