/**
 * What every subcommand shares: its help, the store flags of the server (same names,
 * same environment variables), `--json` and `--help`, and the opened state directory.
 * A subcommand is one module under src/cli/ exporting a CliCommand, registered by
 * name in COMMANDS in src/cli.ts.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DEFAULT_WORKFLOW } from "../core/workflow-name.js";
import { Workflows } from "../workflows.js";
import { stdoutStyle, type Style } from "./format/style.js";
import { NotFoundError } from "./not-found-error.js";
import { resolveServeConfig, SERVE_FLAGS, type ServeConfig } from "./serve-options.js";
import { UsageError } from "./usage-error.js";

export interface CliCommand {
  /** How it is called, e.g. "tasks [W] [--status S] [--type T]". */
  synopsis: string;
  /** One line for the list of commands in --help. */
  summary: string;
  /** The rest of `task-manager-mcp COMMAND --help`: its own flags and what it prints. */
  details: string;
  /** Its own flags, in node:util parseArgs form; the common ones are added to them. */
  flags: FlagSpecs;
  run(argv: string[]): Promise<void>;
}

/** The server's store flags, minus --agent-id: a person acts as themselves (see --as). */
const STORE_FLAGS = {
  "state-dir": SERVE_FLAGS["state-dir"],
  "task-timeout-hours": SERVE_FLAGS["task-timeout-hours"],
  "lock-timeout": SERVE_FLAGS["lock-timeout"],
  store: SERVE_FLAGS.store,
  "sqlite-synchronous": SERVE_FLAGS["sqlite-synchronous"],
  "database-url": SERVE_FLAGS["database-url"],
  "database-schema": SERVE_FLAGS["database-schema"],
} as const;

export const COMMON_FLAGS = {
  ...STORE_FLAGS,
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** One line of help for each common flag: a flag added to COMMON_FLAGS does not compile until it is described. */
const COMMON_FLAG_LINES: Record<keyof typeof COMMON_FLAGS, string> = {
  json: "--json                       print JSON for scripts instead of tables",
  "state-dir": "--state-dir DIR              where the workflows are kept (default .task-manager)",
  store: "--store json|sqlite|postgres the store: a file per workflow (default), one SQLite file, or PostgreSQL",
  "database-url": "--database-url URL           postgres: postgres://user:password@host:5432/database",
  "database-schema": "--database-schema NAME       postgres: the schema of its tables (default task_manager)",
  "sqlite-synchronous": "--sqlite-synchronous full|normal  sqlite: full (default) survives a power cut",
  "task-timeout-hours": "--task-timeout-hours HOURS   the lease of claims made without one (default 24)",
  "lock-timeout": "--lock-timeout SECONDS       wait this long for a state file's lock (default 5)",
  help: "-h, --help                   show this help",
};

export const COMMON_FLAGS_HELP = `${Object.values(COMMON_FLAG_LINES)
  .map((line) => `  ${line}`)
  .join("\n")}
All but --json and --help are the server's flags, each also set by its TASK_MANAGER_* variable
(task-manager-mcp --help lists them).`;

export type FlagSpecs = NonNullable<ParseArgsConfig["options"]>;

export type ParsedCommandLine<T extends FlagSpecs> = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof COMMON_FLAGS & T; strict: true; allowPositionals: true }>
>;

/** parseArgs with the common flags added; unknown flags and missing values are usage errors. */
export function parseCommandLine<const T extends FlagSpecs>(argv: string[], options: T): ParsedCommandLine<T> {
  return parseArgs({ args: argv, options: { ...COMMON_FLAGS, ...options }, strict: true, allowPositionals: true });
}

/** Refuses extra positional arguments, naming them. */
export function expectPositionals(positionals: readonly string[], max: number, synopsis: string): void {
  if (positionals.length > max) {
    throw new UsageError(`unexpected argument "${positionals[max] ?? ""}"; usage: task-manager-mcp ${synopsis}.`);
  }
}

export function helpText(command: CliCommand): string {
  return `Usage: task-manager-mcp ${command.synopsis}\n${command.summary}\n\n${command.details}\n\nCommon flags:\n${COMMON_FLAGS_HELP}\n`;
}

export interface CommandContext {
  config: ServeConfig;
  workflows: Workflows;
  json: boolean;
  style: Style;
  /** The task timeout in milliseconds: the lease of claims made without one. */
  staleAfterMs: number;
  now(): number;
}

export function openContext(values: {
  "state-dir"?: string | undefined;
  "task-timeout-hours"?: string | undefined;
  "lock-timeout"?: string | undefined;
  store?: string | undefined;
  "sqlite-synchronous"?: string | undefined;
  "database-url"?: string | undefined;
  "database-schema"?: string | undefined;
  json?: boolean | undefined;
}): CommandContext {
  const config = resolveServeConfig(
    {
      "state-dir": values["state-dir"],
      "task-timeout-hours": values["task-timeout-hours"],
      "lock-timeout": values["lock-timeout"],
      store: values.store,
      "sqlite-synchronous": values["sqlite-synchronous"],
      "database-url": values["database-url"],
      "database-schema": values["database-schema"],
    },
    process.env,
    process.cwd(),
  );
  const workflows = new Workflows({
    stateDir: config.stateDir,
    taskTimeoutHours: config.taskTimeoutHours,
    lockTimeout: config.lockTimeout,
    store: config.store,
    sqliteSynchronous: config.sqliteSynchronous,
    databaseUrl: config.databaseUrl,
    databaseSchema: config.databaseSchema,
  });
  return {
    config,
    workflows,
    json: values.json === true,
    style: stdoutStyle(),
    staleAfterMs: config.taskTimeoutHours * 3_600_000,
    now: () => Date.now(),
  };
}

/**
 * The workflow to read: the one named, else "default". Reading a workflow that has no
 * state file is a NOT_FOUND (exit 2) rather than an empty listing, so a typo shows.
 */
export async function existingWorkflow(context: CommandContext, name: string | undefined): Promise<string> {
  const chosen = name ?? DEFAULT_WORKFLOW;
  if (!(await context.workflows.exists(chosen))) {
    const hint = name === undefined ? ` (name one, e.g. "task-manager-mcp summary NAME")` : "";
    throw new NotFoundError(
      "WORKFLOW_NOT_FOUND",
      `no workflow "${chosen}" in ${context.config.stateDir}${hint}; "task-manager-mcp workflows" lists them, "task-manager-mcp add" starts one.`,
    );
  }
  return chosen;
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function write(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
