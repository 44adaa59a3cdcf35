/** `summary [W]`: one workflow's counts by status, readiness and type, and who holds what. */
import type { StatusSummary, Task } from "../../core/schema.js";
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
import { describeLease } from "../format/lease.js";
import { renderTable } from "../format/table.js";
import { printable } from "../format/text.js";

export interface WorkflowSnapshot {
  workflow: string;
  state_file: string;
  summary: StatusSummary;
  /** The tasks in progress, with their holders and leases. */
  held: Task[];
}

export async function snapshotOf(context: CommandContext, workflow: string): Promise<WorkflowSnapshot> {
  const tm = context.workflows.get(workflow);
  const [summary, held] = await Promise.all([tm.getStatusSummary(), allTasks(tm, { status: "in_progress" })]);
  return { workflow, state_file: context.workflows.stateFileOf(workflow), summary, held };
}

export function renderSnapshot(context: CommandContext, snapshot: WorkflowSnapshot): string {
  const { style } = context;
  const { summary } = snapshot;
  const counts = summary.status_counts;
  const pending = summary.pending_counts;
  const now = context.now();
  const lines = [
    `${style.bold(`Workflow ${snapshot.workflow}`)}: ${summary.total_tasks} task${summary.total_tasks === 1 ? "" : "s"}  ${style.dim(snapshot.state_file)}`,
    `  ${style.status("pending", "pending    ")} ${String(counts.pending).padStart(5)}   ready ${pending.ready}, conflicting ${pending.conflicting > 0 ? style.yellow(String(pending.conflicting)) : "0"}, waiting ${pending.waiting}, scheduled ${pending.scheduled}, blocked ${pending.blocked > 0 ? style.red(String(pending.blocked)) : "0"}`,
    `  ${style.status("in_progress", "in progress")} ${String(counts.in_progress).padStart(5)}`,
    `  ${style.status("completed", "completed  ")} ${String(counts.completed).padStart(5)}`,
    `  ${style.status("failed", "failed     ")} ${String(counts.failed).padStart(5)}`,
    `  ${style.status("cancelled", "cancelled  ")} ${String(counts.cancelled).padStart(5)}`,
  ];
  const types = Object.entries(summary.type_counts);
  if (types.length > 0) lines.push(`  types: ${types.map(([type, n]) => `${type} ${n}`).join(", ")}`);
  lines.push("");
  if (snapshot.held.length === 0) {
    lines.push(style.dim("No task is held right now."));
    return `${lines.join("\n")}\n`;
  }
  lines.push(style.bold("Held now:"));
  const table = renderTable(
    [{ header: "TASK" }, { header: "TYPE" }, { header: "HOLDER" }, { header: "ATTEMPT", align: "right" }, { header: "HELD FOR" }, { header: "LEASE" }],
    snapshot.held.map((task) => [
      task.id,
      task.type,
      printable(task.locked_by ?? "?"),
      String(task.attempts),
      task.locked_at === null ? "-" : formatDuration(now - Date.parse(task.locked_at)),
      describeLease(task, now, context.staleAfterMs, style),
    ]),
    style,
  );
  return `${lines.join("\n")}\n${table}`;
}

export const summaryCommand: CliCommand = {
  synopsis: "summary [W]",
  flags: {},
  summary: "One workflow (default: \"default\") at a glance: counts by status and type, pending tasks by readiness, who holds what.",
  details: `Pending tasks are split by why they can or cannot be claimed: ready, conflicting (ready, but its
paths overlap a task in progress or an exclusive reservation: "task-manager-mcp reservations" lists
them), waiting (on a dependency), scheduled (not before a time), blocked (a dependency failed or was
cancelled). Held tasks show their
holder, attempt, and the time left on their lease. A workflow with no state file exits 2.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, {});
    expectPositionals(positionals, 1, summaryCommand.synopsis);
    const context = openContext(values);
    const workflow = await existingWorkflow(context, positionals[0]);
    const snapshot = await snapshotOf(context, workflow);
    if (context.json) return writeJson(snapshot);
    write(renderSnapshot(context, snapshot));
  },
};
