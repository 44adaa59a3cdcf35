/**
 * `export [-w W] [--out FILE]`: a workflow as a seed-format JSON state file, from any
 * store, to stdout or a file. With `import`, how a workflow moves between stores.
 */
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { finished } from "node:stream/promises";
import { writeSeedFile } from "../../store/seed-file/write-seed-file.js";
import { existingWorkflow, expectPositionals, openContext, parseCommandLine, write, writeJson, type CliCommand } from "../command.js";
import { NotFoundError } from "../not-found-error.js";
import { formatCount, PROGRESS_MIN_TASKS, ProgressBar } from "../progress-bar.js";

const EXPORT_FLAGS = { workflow: { type: "string", short: "w" }, out: { type: "string", short: "o" } } as const;

export const exportCommand: CliCommand = {
  synopsis: "export [-w W] [-o|--out FILE]",
  flags: EXPORT_FLAGS,
  summary: "Write a workflow as a seed-format JSON state file, to stdout or FILE, from any store.",
  details: `Flags:
  -w, --workflow W             the workflow (default "default")
  -o, --out FILE               write FILE (put in place only once complete) instead of stdout

The file is the workflow exactly as the JSON store would keep it: "import" reads it into
any store, and the JSON store and the original Python module read it as a state file.
Moving a workflow from JSON to SQLite:
  task-manager-mcp export -w W --out w.json && task-manager-mcp import w.json -w W --store sqlite
On a terminal a progress bar shows on stderr for large workflows.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, EXPORT_FLAGS);
    expectPositionals(positionals, 0, exportCommand.synopsis);
    const context = openContext(values);
    const workflow = await existingWorkflow(context, values.workflow);
    const tm = context.workflows.get(workflow);
    const total = (await tm.getStatusSummary()).total_tasks;
    const exported = await tm.exportWorkflow();
    if (!exported) throw new NotFoundError("WORKFLOW_NOT_FOUND", `no workflow "${workflow}" in ${context.config.stateDir}.`);
    const bar = ProgressBar.forTransfer(`exporting ${workflow}`, total >= PROGRESS_MIN_TASKS);
    const progress = (count: number): void => bar.update(total === 0 ? 1 : count / total, `${formatCount(count)} of ${formatCount(total)} tasks`);

    if (values.out === undefined) {
      await writeSeedFile(exported, process.stdout, progress);
      bar.finish();
      return;
    }
    // Written beside the target and renamed over it at the end: an interrupted export leaves no half file.
    const target = resolve(values.out);
    const partial = `${target}.${process.pid}.partial`;
    const out = createWriteStream(partial, { flags: "wx" });
    let count: number;
    try {
      count = await writeSeedFile(exported, out, progress);
      out.end();
      await finished(out);
      await rename(partial, target);
    } catch (error) {
      out.destroy();
      await rm(partial, { force: true });
      throw error;
    } finally {
      bar.finish();
    }
    if (context.json) return writeJson({ workflow, store: context.workflows.store, file: target, tasks: count });
    write(`exported ${formatCount(count)} task(s) of workflow "${workflow}" (${context.workflows.store} store) to ${target}`);
  },
};
