/**
 * The server's configuration from flags, falling back to environment variables
 * (which is how MCP client configs usually pass settings), then to defaults.
 */
import { isIP } from "node:net";
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
  http: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
  "max-sessions": { type: "string" },
  "idle-timeout": { type: "string" },
} as const;

export const DEFAULT_HTTP_PORT = 8765;
export const DEFAULT_HTTP_HOST = "127.0.0.1";
/** A bearer token shorter than this is too easy to guess over a network. */
export const MIN_TOKEN_LENGTH = 16;

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
  http?: boolean | undefined;
  port?: string | undefined;
  host?: string | undefined;
  token?: string | undefined;
  "max-sessions"?: string | undefined;
  "idle-timeout"?: string | undefined;
}

/** Serving MCP Streamable HTTP at `/mcp` instead of stdio. */
export interface HttpConfig {
  /** 0 picks a free port (the one taken is printed on stderr). */
  port: number;
  host: string;
  /** When set, every request needs `Authorization: Bearer <token>`; required off loopback. */
  token?: string | undefined;
  /** Sessions open at once; an `initialize` beyond them gets 503. */
  maxSessions: number;
  /** A session with no request and no open stream for this long is closed. */
  idleTimeoutSeconds: number;
}

export const DEFAULT_MAX_SESSIONS = 100;
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 1800;

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
  /** Set with --http: serve many clients over HTTP; otherwise one over stdio. */
  http?: HttpConfig | undefined;
}

export function resolveServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv, cwd: string): ServeConfig {
  const pick = (flag: Exclude<keyof ServeFlags, "http">, variable: string): { value: string; from: string } | undefined => {
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
    http: flags.http ? httpConfig(pick) : undefined,
  };
}

type Setting = { value: string; from: string } | undefined;

function httpConfig(pick: (flag: Exclude<keyof ServeFlags, "http">, variable: string) => Setting): HttpConfig {
  const portSetting = pick("port", "TASK_MANAGER_HTTP_PORT");
  const hostSetting = pick("host", "TASK_MANAGER_HTTP_HOST");
  const tokenSetting = pick("token", "TASK_MANAGER_HTTP_TOKEN");
  const maxSessions = number(pick("max-sessions", "TASK_MANAGER_HTTP_MAX_SESSIONS"), DEFAULT_MAX_SESSIONS, "a whole number of sessions, 1 or more, e.g. 100", (n) => Number.isInteger(n) && n >= 1);
  const idleTimeoutSeconds = number(pick("idle-timeout", "TASK_MANAGER_HTTP_IDLE_TIMEOUT"), DEFAULT_IDLE_TIMEOUT_SECONDS, "a number of seconds above 0, e.g. 1800", (n) => n > 0 && n <= 7 * 24 * 3600);
  const port = number(portSetting, DEFAULT_HTTP_PORT, "a port number from 0 to 65535, e.g. 8765", (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
  // An IPv6 address may come bracketed, as in a URL ([::1]); listen() wants it bare.
  const host = (hostSetting?.value.trim() ?? DEFAULT_HTTP_HOST).replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new UsageError(`${hostSetting?.from ?? "--host"} must not be empty.`);
  const token = tokenSetting?.value;
  if (token !== undefined && (token.length < MIN_TOKEN_LENGTH || /\s/.test(token))) {
    throw new UsageError(`${tokenSetting?.from ?? "--token"} must be at least ${MIN_TOKEN_LENGTH} characters without spaces, e.g. from: openssl rand -hex 32`);
  }
  if (!isLoopbackHost(host) && token === undefined) {
    throw new UsageError(`--host ${host} is reachable from other machines: give --token TOKEN (or TASK_MANAGER_HTTP_TOKEN) so that only clients sending it are served.`);
  }
  return { port, host, token, maxSessions, idleTimeoutSeconds };
}

/** Whether only this machine can reach an address: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost" || bare === "::1") return true;
  return isIP(bare) === 4 && bare.startsWith("127.");
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
