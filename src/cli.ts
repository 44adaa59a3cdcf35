#!/usr/bin/env node
/**
 * The bin entry: `task-manager-mcp [command] [flags]`. Without a command it runs the
 * MCP stdio server. Commands are looked up in COMMANDS, so a new one is a module
 * under src/cli/ and one entry there. Errors in how it was started go to stderr
 * with exit code 1; stdout is reserved for the MCP protocol (and --help/--version).
 */
import { parseArgs } from "node:util";
import { isTaskManagerError } from "./core/errors.js";
import { PACKAGE_NAME, packageVersion } from "./mcp/package-info.js";
import { serve } from "./cli/serve.js";
import { DEFAULT_STATE_DIR, resolveServeConfig, SERVE_FLAGS } from "./cli/serve-options.js";
import { UsageError } from "./cli/usage-error.js";

const USAGE = `${PACKAGE_NAME} ${packageVersion}
A task queue that many AI agents share safely, served over MCP (stdio).

Usage:
  ${PACKAGE_NAME} [flags]       run the MCP stdio server (what an MCP client config starts)
  ${PACKAGE_NAME} --help        show this help
  ${PACKAGE_NAME} --version     print the version

Flags (each may also be set by the environment variable shown):
  --state-dir DIR              TASK_MANAGER_STATE_DIR           workflow state files, one <workflow>.json each
                                                                (default ${DEFAULT_STATE_DIR} in the current directory)
  --task-timeout-hours HOURS   TASK_MANAGER_TASK_TIMEOUT_HOURS  claims older than this go back to pending (default 24)
  --lock-timeout SECONDS       TASK_MANAGER_LOCK_TIMEOUT        wait this long for a state file's lock (default 5)
  --agent-id ID                TASK_MANAGER_AGENT_ID            claim tasks as ID (default: the MCP client's name)

The library: import { TaskManager, Workflows, createServer } from "${PACKAGE_NAME}".
`;

type Command = (argv: string[]) => Promise<void>;

/** Subcommands by name; none given runs the server. */
const COMMANDS: Record<string, Command> = {};

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
  await serve(resolveServeConfig(values, process.env, process.cwd()));
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first !== undefined && !first.startsWith("-")) {
    const command = COMMANDS[first];
    if (!command) throw new UsageError(`unknown command "${first}".`);
    await command(rest);
    return;
  }
  await runServer(argv);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known = error instanceof UsageError || isTaskManagerError(error) || isParseArgsError(error);
  const message = known ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${PACKAGE_NAME}: ${message}\nRun "${PACKAGE_NAME} --help" for usage.\n`);
  process.exitCode = 1;
});

/** node:util parseArgs reports unknown flags and missing values with these codes. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}
