#!/usr/bin/env node
/**
 * The bin entry: `task-manager-mcp [command] [flags]`. Without a command it runs the
 * MCP stdio server. Commands are looked up in COMMANDS, so a new one is a module
 * under src/cli/commands/ and one entry in its index. Errors go to stderr with the exit
 * code of their kind (src/cli/exit-codes.ts; 1 for how the server was started);
 * the server's stdout is reserved for the MCP protocol (and --help/--version).
 */
// First: it sets V8 flags that must be in force before the rest is loaded.
import "./cli/favor-memory.js";
import { parseArgs } from "node:util";
import { isTaskManagerError } from "./core/errors.js";
import { PACKAGE_NAME, packageVersion } from "./mcp/package-info.js";
import { helpText } from "./cli/command.js";
import { COMMANDS } from "./cli/commands/index.js";
import { errorCodeOf, exitCodeOf, exitCodesHelp } from "./cli/exit-codes.js";
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, DEFAULT_IDLE_TIMEOUT_SECONDS, DEFAULT_MAX_SESSIONS, DEFAULT_STATE_DIR, MIN_TOKEN_LENGTH, resolveServeConfig, SERVE_FLAGS } from "./cli/serve-options.js";
import { NotFoundError } from "./cli/not-found-error.js";
import { UsageError } from "./cli/usage-error.js";

const USAGE = `${PACKAGE_NAME} ${packageVersion}
A task queue that many AI agents share safely, served over MCP (stdio or HTTP).

Usage:
  ${PACKAGE_NAME} [flags]       run the MCP stdio server (what an MCP client config starts)
  ${PACKAGE_NAME} --http        serve many MCP clients over HTTP (flags below) at http://127.0.0.1:8765/mcp
  ${PACKAGE_NAME} COMMAND ...   for the person running the agents (below; COMMAND --help for its flags)
  ${PACKAGE_NAME} --help        show this help
  ${PACKAGE_NAME} --version     print the version

Commands (tables for people, --json for scripts):
${Object.values(COMMANDS)
  .map((command) => `  ${command.synopsis}\n      ${command.summary}`)
  .join("\n")}

Exit codes of the commands (with --json, the error's code is in its output):
${exitCodesHelp()}

Flags (each may also be set by the environment variable shown):
  --state-dir DIR              TASK_MANAGER_STATE_DIR           where the workflows are kept
                                                                (default ${DEFAULT_STATE_DIR} in the current directory)
  --store json|sqlite|postgres TASK_MANAGER_STORE               json: one <workflow>.json file each (default);
                                                                sqlite: all in tasks.sqlite, for millions of tasks;
                                                                postgres: all in a PostgreSQL database, for many machines
  --database-url URL           TASK_MANAGER_DATABASE_URL        postgres: postgres://user:password@host:5432/database
  --database-schema NAME       TASK_MANAGER_DATABASE_SCHEMA     postgres: the schema of its tables (default task_manager)
  --sqlite-synchronous MODE    TASK_MANAGER_SQLITE_SYNCHRONOUS  sqlite: full (default) survives a power cut;
                                                                normal is faster but may lose the last changes then
  --task-timeout-hours HOURS   TASK_MANAGER_TASK_TIMEOUT_HOURS  claims older than this go back to pending (default 24)
  --lock-timeout SECONDS       TASK_MANAGER_LOCK_TIMEOUT        wait this long for a state file's lock (default 5)
  --agent-id ID                TASK_MANAGER_AGENT_ID            claim tasks as ID (default: the MCP client's name; stdio only)

HTTP (--http: MCP Streamable HTTP at /mcp, one session per client, each claiming as its client's name):
  --port PORT                  TASK_MANAGER_HTTP_PORT           the port (default ${DEFAULT_HTTP_PORT}; 0: any free one)
  --host ADDRESS               TASK_MANAGER_HTTP_HOST           the address to bind (default ${DEFAULT_HTTP_HOST}); any
                                                                other than loopback needs --token
  --token TOKEN                TASK_MANAGER_HTTP_TOKEN          require Authorization: Bearer TOKEN on every request
                                                                (at least ${MIN_TOKEN_LENGTH} characters, e.g. openssl rand -hex 32)
  --max-sessions N             TASK_MANAGER_HTTP_MAX_SESSIONS   sessions open at once (default ${DEFAULT_MAX_SESSIONS})
  --idle-timeout SECONDS       TASK_MANAGER_HTTP_IDLE_TIMEOUT   close a session idle this long (default ${DEFAULT_IDLE_TIMEOUT_SECONDS})

The library: import { TaskManager, Workflows, createServer } from "${PACKAGE_NAME}".
`;

async function runServer(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...SERVE_FLAGS, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.version) {
    process.stdout.write(`${packageVersion}\n`);
    return;
  }
  const config = resolveServeConfig(values, process.env, process.cwd());
  // Loaded only here: the MCP server and its SDK are not needed by the person's commands, which start faster without them.
  if (config.http) {
    const { serveHttp } = await import("./cli/serve-http.js");
    await serveHttp(config, config.http);
    return;
  }
  for (const flag of ["port", "host", "token", "max-sessions", "idle-timeout"] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} applies only with --http.`);
  }
  const { serve } = await import("./cli/serve.js");
  await serve(config);
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first !== undefined && !first.startsWith("-")) {
    const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (!command) throw new UsageError(`unknown command "${first}".`);
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(helpText(command));
      return;
    }
    await command.run(rest);
    return;
  }
  await runServer(argv);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const usageMistake = error instanceof UsageError || isParseArgsError(error);
  const known = usageMistake || isTaskManagerError(error) || error instanceof NotFoundError;
  const message = known ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (process.argv.includes("--json")) {
    // A script asked for JSON: the error comes as JSON too, on stderr, with a stable code.
    process.stderr.write(`${JSON.stringify({ error: { code: errorCodeOf(error, usageMistake), message } })}\n`);
  } else {
    const hint = usageMistake ? `\nRun "${PACKAGE_NAME} --help" for usage.` : "";
    process.stderr.write(`${PACKAGE_NAME}: ${message}${hint}\n`);
  }
  process.exitCode = exitCodeOf(error);
});

/** node:util parseArgs reports unknown flags and missing values with these codes. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}
