/** `reservations [W]`: who holds which paths of a workflow, until when: its reservations and the paths of its tasks in progress. */
import { heldPaths, type HeldPath } from "../../held-paths.js";
import { allTasks } from "../all-tasks.js";
import {
  existingWorkflow,
  expectPositionals,
  openContext,
  parseCommandLine,
  write,
  writeJson,
  type CliCommand,
  type CommandContext,
} from "../command.js";
import { formatDuration } from "../format/durations.js";
import { renderTable } from "../format/table.js";
import { printable } from "../format/text.js";

interface HoldsView {
  workflow: string;
  /** By path, then task holds before reservations. */
  holds: HeldPath[];
  /** Ready tasks that these holds keep back (the summary's pending_counts.conflicting). */
  conflicting: number;
}

async function holdsOf(context: CommandContext, workflow: string): Promise<HoldsView> {
  const tm = context.workflows.get(workflow);
  const [inProgress, summary] = await Promise.all([allTasks(tm, { status: "in_progress" }), tm.getStatusSummary()]);
  const holds = await heldPaths(tm, inProgress, context.staleAfterMs);
  holds.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.source === b.source ? 0 : a.source === "task" ? -1 : 1));
  return { workflow, holds, conflicting: summary.pending_counts.conflicting };
}

function until(context: CommandContext, hold: HeldPath, now: number): string {
  const { style } = context;
  const end = hold.source === "task" ? hold.lease_expires_at : hold.expires_at;
  if (end === null) return hold.source === "task" ? style.red("lease unreadable") : "-";
  const left = Date.parse(end) - now;
  const lease = hold.source === "task" ? "lease " : "";
  return left <= 0 ? style.red(`${lease}expired ${formatDuration(-left)} ago`) : `${lease}${formatDuration(left)} left`;
}

function renderHolds(context: CommandContext, view: HoldsView): string {
  const { style } = context;
  const now = context.now();
  const waiting =
    view.conflicting === 0 ? "" : `\n${style.yellow(`${view.conflicting} ready task${view.conflicting === 1 ? "" : "s"}`)} wait${view.conflicting === 1 ? "s" : ""} for these paths to be free.\n`;
  if (view.holds.length === 0) return `${style.dim(`No path is held in workflow ${view.workflow} right now.`)}\n${waiting}`;
  const table = renderTable(
    [{ header: "PATH" }, { header: "HOLDER" }, { header: "HOLD" }, { header: "TASK" }, { header: "UNTIL" }, { header: "REASON" }],
    view.holds.map((hold) => [
      printable(hold.path),
      printable(hold.held_by),
      hold.source === "task" ? style.status("in_progress", "task") : hold.exclusive ? "exclusive" : "shared",
      hold.task_id === null ? style.dim("-") : printable(hold.task_id),
      until(context, hold, now),
      printable(hold.reason ?? ""),
    ]),
    style,
  );
  return `${table}${waiting}`;
}

export const reservationsCommand: CliCommand = {
  synopsis: "reservations [W]",
  flags: {},
  summary: "Who holds which paths of one workflow (default: \"default\") and until when: reservations and tasks in progress.",
  details: `One row per path held: the paths of each task in progress (HOLD task: its holder keeps them until
the task finishes or its lease runs out, as UNTIL counts down), and each reservation in force (HOLD
exclusive or shared: it ends when UNTIL runs out, when it is released, or when the task in TASK
finishes). A ready task whose paths overlap another holder's task or exclusive reservation waits;
how many do is said below the table. A workflow with no state file exits 2.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, {});
    expectPositionals(positionals, 1, reservationsCommand.synopsis);
    const context = openContext(values);
    const workflow = await existingWorkflow(context, positionals[0]);
    const view = await holdsOf(context, workflow);
    if (context.json) return writeJson(view);
    write(renderHolds(context, view));
  },
};
