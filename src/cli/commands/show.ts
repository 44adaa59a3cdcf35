/** `show ID`: everything about one task: status, holder and lease, relations, data, result, history. */
import { withoutIdleClaim } from "../../mcp/compact-task.js";
import type { PathConflict } from "../../core/path-holds.js";
import type { Task } from "../../core/schema.js";
import { conflictsOf, heldPaths } from "../../held-paths.js";
import { allTasks } from "../all-tasks.js";
import { expectPositionals, openContext, parseCommandLine, write, writeJson, type CliCommand, type CommandContext } from "../command.js";
import { findTask } from "../find-task.js";
import { formatAge } from "../format/durations.js";
import { describeLease } from "../format/lease.js";
import { renderTable } from "../format/table.js";
import { printable, printableLines } from "../format/text.js";
import { UsageError } from "../usage-error.js";
import { statusLabel } from "./tasks.js";

interface Related {
  id: string;
  status: string;
}

interface TaskDetails {
  workflow: string;
  task: Task;
  children: Related[];
  /** Each dependency with its status ("missing" if it is not in the workflow). */
  dependencies: Related[];
  /** Tasks that depend on this one. */
  dependents: Related[];
  /** A pending task with paths: the holds that overlap them, each path with its holder (none: nothing in its way). */
  path_conflicts?: PathConflict[];
}

async function detailsOf(context: CommandContext, workflow: string, task: Task): Promise<TaskDetails> {
  const tm = context.workflows.get(workflow);
  // One read of the whole workflow answers children, dependencies and dependents alike.
  const everything = await allTasks(tm);
  const byId = new Map(everything.map((t) => [t.id, t]));
  const brief = (t: Task): Related => ({ id: t.id, status: t.status });
  // The holds are read only for a pending task with paths: what they could keep it waiting on.
  const conflicts =
    task.status === "pending" && (task.paths?.length ?? 0) > 0
      ? conflictsOf(task, await heldPaths(tm, everything.filter((t) => t.status === "in_progress"), context.staleAfterMs), new Date(context.now()))
      : undefined;
  return {
    workflow,
    task,
    children: everything.filter((t) => t.parent_id === task.id).map(brief),
    dependencies: (task.depends_on ?? []).map((id) => ({ id, status: byId.get(id)?.status ?? "missing" })),
    dependents: everything.filter((t) => t.depends_on?.includes(task.id) === true).map(brief),
    ...(conflicts !== undefined && { path_conflicts: conflicts }),
  };
}

function renderDetails(context: CommandContext, details: TaskDetails): string {
  const { style } = context;
  const { task } = details;
  const now = context.now();
  const related = (items: readonly Related[]): string =>
    items.length === 0 ? style.dim("none") : items.map((item) => `${item.id} ${style.status(item.status, `(${item.status})`)}`).join(", ");
  const when = (iso: string | null | undefined): string => (iso == null ? style.dim("-") : `${printable(iso)} ${style.dim(`(${formatAge(Date.parse(iso), now)})`)}`);
  const field = (name: string, value: string): string => `  ${style.dim(name.padEnd(12))}${value}`;

  const lines = [`${style.bold(task.id)}  ${statusLabel(task, now, style)}  ${style.dim(`workflow ${details.workflow}`)}`];
  lines.push(field("type", task.type));
  lines.push(field("priority", String(task.priority ?? 0)));
  if (task.status === "in_progress") {
    lines.push(field("held by", `${printable(task.locked_by ?? "?")} since ${when(task.locked_at)}, attempt ${task.attempts}`));
    lines.push(field("lease", describeLease(task, now, context.staleAfterMs, style)));
  }
  lines.push(field("parent", task.parent_id === null ? style.dim("none") : printable(task.parent_id)));
  lines.push(field("children", related(details.children)));
  lines.push(field("depends on", related(details.dependencies)));
  if ((task.blocked_by?.length ?? 0) > 0) lines.push(field("blocked by", style.red(printable((task.blocked_by ?? []).join(", ")))));
  lines.push(field("needed by", related(details.dependents)));
  if (task.paths !== undefined && task.paths.length > 0) lines.push(field("paths", printable(task.paths.join(", "))));
  if ((details.path_conflicts?.length ?? 0) > 0) lines.push(field("conflicts", style.yellow(describeConflicts(details.path_conflicts ?? []))));
  if (task.not_before != null) lines.push(field("not before", when(task.not_before)));
  lines.push(field("created", when(task.created_at)));
  if (task.completed_at !== null) lines.push(field("finished", when(task.completed_at)));
  const limit = task.max_attempts === undefined ? "" : ` of at most ${task.max_attempts}`;
  lines.push(field("attempts", `${task.attempts}${limit}${task.failures ? `, ${task.failures} failed` : ""}`));
  if (task.last_error != null) lines.push(field("last error", style.red(printable(task.last_error))));
  lines.push("", style.bold("Data"), indent(printableLines(JSON.stringify(task.data, null, 2))));
  if (task.result !== undefined) lines.push("", style.bold("Result"), indent(printableLines(JSON.stringify(task.result, null, 2))));
  const history = task.history ?? [];
  lines.push("", style.bold("History"));
  if (history.length === 0) {
    lines.push(style.dim("  none recorded (a task from an older version of the state file)"));
  } else {
    const table = renderTable(
      [{ header: "AT" }, { header: "EVENT" }, { header: "BY" }, { header: "ATTEMPT", align: "right" }, { header: "DETAIL" }],
      history.map((entry) => [
        printable(entry.at),
        style.status(entry.event === "claimed" ? "in_progress" : entry.event, printable(entry.event)),
        printable(entry.agent ?? ""),
        entry.attempt === undefined ? "" : String(entry.attempt),
        printable(entry.detail ?? ""),
      ]),
      style,
    );
    lines.push(indent(table.trimEnd()));
  }
  return `${lines.join("\n")}\n`;
}

/** "src/auth/** (claude-1, task analyze_1a2b3c4d); docs/a.md (cursor-1)": each hold once. */
function describeConflicts(conflicts: readonly PathConflict[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const conflict of conflicts) {
    const part = `${conflict.held_path} (${conflict.held_by}${conflict.task_id === null ? "" : `, task ${conflict.task_id}`})`;
    if (seen.has(part)) continue;
    seen.add(part);
    parts.push(part);
  }
  return printable(parts.join("; "));
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

const SHOW_FLAGS = { workflow: { type: "string", short: "w" } } as const;

export const showCommand: CliCommand = {
  synopsis: "show ID [-w|--workflow W]",
  flags: SHOW_FLAGS,
  summary: "Show one task in full: holder and lease, paths, parent, children, dependencies, data, result and history.",
  details: `Flags:
  -w, --workflow W             look only in workflow W (default: search every workflow for the id)

A pending task with paths also shows the conflicts: the paths of tasks in progress and the
reservations that overlap its own, with their holders; while there are any, no other agent is given it.
An id found in no workflow exits 2; one found in several asks for --workflow (exit 1).`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, SHOW_FLAGS);
    expectPositionals(positionals, 1, showCommand.synopsis);
    const taskId = positionals[0];
    if (taskId === undefined) throw new UsageError(`which task? usage: task-manager-mcp ${showCommand.synopsis}.`);
    const context = openContext(values);
    const { workflow, task } = await findTask(context, taskId, values.workflow);
    const details = await detailsOf(context, workflow, task);
    if (context.json) return writeJson({ ...details, task: withoutIdleClaim(details.task) });
    write(renderDetails(context, details));
  },
};
