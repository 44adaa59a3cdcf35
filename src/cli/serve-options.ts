/**
 * The server's configuration from flags, falling back to environment variables
 * (which is how MCP client configs usually pass settings), then to defaults.
 */
import { resolve } from "node:path";
import { DEFAULT_TASK_TIMEOUT_HOURS, MAX_TASK_TIMEOUT_HOURS } from "../core/task-manager-core.js";
import type { SqliteSynchronous } from "../store/sqlite/database.js";
import { DEFAULT_STORE_KIND, STORE_KINDS, type StoreKind } from "../store/workflow-catalog.js";
import { DEFAULT_LOCK_TIMEOUT_SECONDS } from "../task-manager.js";
import { UsageError } from "./usage-error.js";

export const DEFAULT_STATE_DIR = ".task-manager";

/** The flags of the server, in node:util parseArgs form. */
export const SERVE_FLAGS = {
  "state-dir": { type: "string" },
  "task-timeout-hours": { type: "string" },
  "lock-timeout": { type: "string" },
  "agent-id": { type: "string" },
  store: { type: "string" },
  "sqlite-synchronous": { type: "string" },
  "database-url": { type: "string" },
  "database-schema": { type: "string" },
} as const;

const SQLITE_SYNCHRONOUS: readonly SqliteSynchronous[] = ["full", "normal"];

export interface ServeFlags {
  "state-dir"?: string | undefined;
  "task-timeout-hours"?: string | undefined;
  "lock-timeout"?: string | undefined;
  "agent-id"?: string | undefined;
  store?: string | undefined;
  "sqlite-synchronous"?: string | undefined;
  "database-url"?: string | undefined;
  "database-schema"?: string | undefined;
}

export interface ServeConfig {
  stateDir: string;
  taskTimeoutHours: number;
  lockTimeout: number;
  agentId?: string | undefined;
  /** Which store keeps the workflows: "json" (a file each) or "sqlite" (one database). */
  store: StoreKind;
  /** SQLite only: "full" (every returned change survives a power cut) or "normal" (faster). */
  sqliteSynchronous: SqliteSynchronous;
  /** PostgreSQL only (and needed by it): the database's URL. */
  databaseUrl?: string | undefined;
  /** PostgreSQL only: the schema holding the tables (default task_manager). */
  databaseSchema?: string | undefined;
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

  const store = choice(pick("store", "TASK_MANAGER_STORE"), STORE_KINDS, DEFAULT_STORE_KIND);
  const databaseUrl = pick("database-url", "TASK_MANAGER_DATABASE_URL")?.value.trim();
  if (store === "postgres" && !databaseUrl) {
    throw new UsageError("--store postgres needs --database-url or TASK_MANAGER_DATABASE_URL, e.g. postgres://agent:secret@db.example:5432/tasks.");
  }
  const databaseSchema = pick("database-schema", "TASK_MANAGER_DATABASE_SCHEMA");
  if (databaseSchema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(databaseSchema.value)) {
    throw new UsageError(`${databaseSchema.from} must be 1-40 letters, digits or _, starting with a letter or _; got ${JSON.stringify(databaseSchema.value)}.`);
  }

  return {
    stateDir: resolve(cwd, stateDir?.value ?? DEFAULT_STATE_DIR),
    taskTimeoutHours: number(pick("task-timeout-hours", "TASK_MANAGER_TASK_TIMEOUT_HOURS"), DEFAULT_TASK_TIMEOUT_HOURS, `a number of hours above 0 and at most ${MAX_TASK_TIMEOUT_HOURS}, e.g. 24 or 0.5`, (n) => n > 0 && n <= MAX_TASK_TIMEOUT_HOURS),
    lockTimeout: number(pick("lock-timeout", "TASK_MANAGER_LOCK_TIMEOUT"), DEFAULT_LOCK_TIMEOUT_SECONDS, "a number of seconds, 0 or more, e.g. 5", (n) => n >= 0),
    agentId: agentId?.value,
    store,
    sqliteSynchronous: choice(pick("sqlite-synchronous", "TASK_MANAGER_SQLITE_SYNCHRONOUS"), SQLITE_SYNCHRONOUS, "full"),
    databaseUrl: store === "postgres" ? databaseUrl : undefined,
    databaseSchema: store === "postgres" ? databaseSchema?.value : undefined,
  };
}

function choice<T extends string>(setting: { value: string; from: string } | undefined, allowed: readonly T[], fallback: T): T {
  if (setting === undefined) return fallback;
  const value = setting.value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${setting.from} must be ${allowed.join(" or ")}; got ${JSON.stringify(setting.value)}.`);
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
