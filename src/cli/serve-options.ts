/**
 * The server's configuration from flags, falling back to environment variables
 * (which is how MCP client configs usually pass settings), then to defaults.
 */
import { resolve } from "node:path";
import { DEFAULT_TASK_TIMEOUT_HOURS } from "../core/task-manager.js";
import { DEFAULT_LOCK_TIMEOUT_SECONDS } from "../task-manager.js";
import { UsageError } from "./usage-error.js";

export const DEFAULT_STATE_DIR = ".task-manager";

/** The flags of the server, in node:util parseArgs form. */
export const SERVE_FLAGS = {
  "state-dir": { type: "string" },
  "task-timeout-hours": { type: "string" },
  "lock-timeout": { type: "string" },
  "agent-id": { type: "string" },
} as const;

export interface ServeFlags {
  "state-dir"?: string | undefined;
  "task-timeout-hours"?: string | undefined;
  "lock-timeout"?: string | undefined;
  "agent-id"?: string | undefined;
}

export interface ServeConfig {
  stateDir: string;
  taskTimeoutHours: number;
  lockTimeout: number;
  agentId?: string | undefined;
}

export function resolveServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv, cwd: string): ServeConfig {
  const pick = (flag: keyof ServeFlags, variable: string): { value: string; from: string } | undefined => {
    if (flags[flag] !== undefined) return { value: flags[flag], from: `--${flag}` };
    const fromEnv = env[variable];
    return fromEnv !== undefined && fromEnv !== "" ? { value: fromEnv, from: variable } : undefined;
  };

  const stateDir = pick("state-dir", "TASK_MANAGER_STATE_DIR");
  if (stateDir?.value === "") throw new UsageError(`${stateDir.from} must not be empty.`);
  const agentId = pick("agent-id", "TASK_MANAGER_AGENT_ID");
  if (agentId?.value === "") throw new UsageError(`${agentId.from} must not be empty.`);

  return {
    stateDir: resolve(cwd, stateDir?.value ?? DEFAULT_STATE_DIR),
    taskTimeoutHours: number(pick("task-timeout-hours", "TASK_MANAGER_TASK_TIMEOUT_HOURS"), DEFAULT_TASK_TIMEOUT_HOURS, "a number of hours above 0, e.g. 24 or 0.5", (n) => n > 0),
    lockTimeout: number(pick("lock-timeout", "TASK_MANAGER_LOCK_TIMEOUT"), DEFAULT_LOCK_TIMEOUT_SECONDS, "a number of seconds, 0 or more, e.g. 5", (n) => n >= 0),
    agentId: agentId?.value,
  };
}

function number(
  setting: { value: string; from: string } | undefined,
  fallback: number,
  expected: string,
  allowed: (n: number) => boolean,
): number {
  if (setting === undefined) return fallback;
  const text = setting.value.trim();
  const parsed = text === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(parsed) || !allowed(parsed)) {
    throw new UsageError(`${setting.from} must be ${expected}; got ${JSON.stringify(setting.value)}.`);
  }
  return parsed;
}
