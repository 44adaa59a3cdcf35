/**
 * `import FILE [-w W]`: a seed-format JSON state file — from `export`, the JSON store or
 * the original Python module — into a new or empty workflow of any store, all or nothing.
 */
import { resolve } from "node:path";
import { StateFileCorruptError, TaskManagerError } from "../../core/errors.js";
import { DEFAULT_WORKFLOW } from "../../core/workflow-name.js";
import type { StoredTask } from "../../core/schema.js";
import { readSeedFile, type SeedFile } from "../../store/seed-file/read-seed-file.js";
import { expectPositionals, openContext, parseCommandLine, write, writeJson, type CliCommand } from "../command.js";
import { formatCount, ProgressBar } from "../progress-bar.js";
import { assertUsableStateDir } from "../state-dir.js";
import { UsageError } from "../usage-error.js";

/** Files smaller than this import in a moment: no progress bar. */
const PROGRESS_MIN_BYTES = 3 * 1024 * 1024;

const IMPORT_FLAGS = { workflow: { type: "string", short: "w" } } as const;

export const importCommand: CliCommand = {
  synopsis: "import FILE [-w W]",
  flags: IMPORT_FLAGS,
  summary: "Read a seed-format JSON state file into a new or empty workflow of any store.",
  details: `Flags:
  -w, --workflow W             the workflow to fill (default "${DEFAULT_WORKFLOW}"); it must be new or empty

FILE is a workflow state file: one written by "export", a JSON store's <workflow>.json, or
one written by the original Python module. Its tasks are taken as they are (ids, statuses,
claims, history); every task is checked first, and nothing is written if one is not
valid (exit 5). The store is the one chosen with --store / TASK_MANAGER_STORE, e.g.
  task-manager-mcp import w.json -w W --store sqlite
On a terminal a progress bar shows on stderr for large files.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, IMPORT_FLAGS);
    expectPositionals(positionals, 1, importCommand.synopsis);
    const path = positionals[0];
    if (path === undefined) throw new UsageError(`which file? usage: task-manager-mcp ${importCommand.synopsis}.`);
    const context = openContext(values);
    const workflow = values.workflow ?? DEFAULT_WORKFLOW;
    const tm = context.workflows.get(workflow); // refuses a workflow name that is not allowed, before any disk access
    const source = await readSeedFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "EISDIR" || error.code === "EACCES") throw new UsageError(`cannot read ${path}: ${error.message}.`);
      throw asBadInput(error, path);
    });
    await assertUsableStateDir(context.config.stateDir);
    const large = source.size >= PROGRESS_MIN_BYTES;
    // Every task is checked before anything is written: a bad one leaves no trace, not even a new database file.
    const checking = ProgressBar.forTransfer(`checking ${path}`, large);
    let total = 0;
    try {
      for (const _task of withProgress(source, checking)) total += 1;
    } catch (error) {
      throw asBadInput(error, path);
    } finally {
      checking.finish();
    }
    const importing = ProgressBar.forTransfer(`importing into ${workflow}`, large);
    let count: number;
    try {
      count = await tm.importWorkflow({ header: source.header, tasks: withProgress(source, importing, total) });
    } catch (error) {
      throw asBadInput(error, path);
    } finally {
      importing.finish();
    }
    const location = context.workflows.locationOf(workflow);
    if (context.json) return writeJson({ workflow, store: context.workflows.store, location, tasks: count });
    write(`imported ${formatCount(count)} task(s) into workflow "${workflow}" (${context.workflows.store} store: ${location})`);
  },
};

/**
 * A fault found in the input file, told as one: the advice a corrupt state file gets
 * (restore it from a backup) would be wrong for a file being imported. Still STATE_FILE_CORRUPT, exit 5.
 */
function asBadInput(error: unknown, path: string): unknown {
  if (!(error instanceof StateFileCorruptError) || error.file !== resolve(path)) return error;
  return new TaskManagerError(
    "STATE_FILE_CORRUPT",
    `The input file "${error.file}" is not a valid workflow state file (${error.problem}); nothing was imported. Correct the file, or export the workflow again.`,
  );
}

/** The file's tasks, moving the bar by how far into the file they are. */
function* withProgress(source: SeedFile, bar: ProgressBar, total?: number): Generator<[string, StoredTask]> {
  let count = 0;
  const detail = (): string => `${formatCount(count)}${total === undefined ? "" : ` of ${formatCount(total)}`} tasks`;
  for (const entry of source.tasks) {
    count += 1;
    if (count % 1000 === 0) bar.update(source.position / source.size, detail());
    yield entry;
  }
  bar.update(1, detail());
}
