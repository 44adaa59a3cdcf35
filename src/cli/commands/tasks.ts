/** `tasks [W]`: the tasks of a workflow, filtered by status, type or parent, as a table. */
import { withoutIdleClaim } from "../../mcp/compact-task.js";
import type { Task, TaskStatus } from "../../core/schema.js";
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
import { positiveIntegerFlag } from "../flag-values.js";
import { formatAge } from "../format/durations.js";
import { describeLease } from "../format/lease.js";
import type { Style } from "../format/style.js";
import { renderTable } from "../format/table.js";
import { printable, truncate } from "../format/text.js";

/** The status, with why a pending task is not claimable when the task itself shows it. */
export function statusLabel(task: Task, now: number, style: Style): string {
  if (task.status === "pending") {
    if ((task.blocked_by?.length ?? 0) > 0) return `${style.status("pending")} ${style.red("(blocked)")}`;
    if (task.not_before != null && Date.parse(task.not_before) > now) return `${style.status("pending")} ${style.dim("(scheduled)")}`;
  }
  return style.status(task.status);
}

export function renderTasks(context: CommandContext, tasks: readonly Task[]): string {
  const { style } = context;
  const now = context.now();
  return renderTable(
    [
      { header: "ID" },
      { header: "TYPE" },
      { header: "STATUS" },
      { header: "PRIO", align: "right" },
      { header: "HOLDER" },
      { header: "LEASE" },
      { header: "PARENT" },
      { header: "DEPENDS ON" },
      { header: "CREATED" },
    ],
    tasks.map((task) => [
      task.id,
      task.type,
      statusLabel(task, now, style),
      String(task.priority ?? 0),
      printable(truncate(task.locked_by ?? "", 32)),
      describeLease(task, now, context.staleAfterMs, style),
      task.parent_id === null ? "" : printable(task.parent_id),
      printable(truncate((task.depends_on ?? []).join(","), 60)),
      formatAge(Date.parse(task.created_at), now),
    ]),
    style,
  );
}

const TASKS_FLAGS = {
  status: { type: "string" },
  type: { type: "string" },
  parent: { type: "string" },
  limit: { type: "string" },
} as const;

export const tasksCommand: CliCommand = {
  synopsis: "tasks [W] [--status S] [--type T] [--parent ID] [--limit N]",
  flags: TASKS_FLAGS,
  summary: "List the tasks of a workflow (default: \"default\") in creation order.",
  details: `Flags:
  --status S                   only tasks with this status: pending, in_progress, completed, failed, cancelled
  --type T                     only tasks of this type
  --parent ID                  only the children of this task
  --limit N                    at most N tasks (default: all)

A pending task that can never run because a dependency failed or was cancelled shows "(blocked)";
one not claimable before a time shows "(scheduled)". --json prints the tasks in full (data, result, history).`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, TASKS_FLAGS);
    expectPositionals(positionals, 1, tasksCommand.synopsis);
    const limit = positiveIntegerFlag(values.limit, "--limit", "50");
    const context = openContext(values);
    const workflow = await existingWorkflow(context, positionals[0]);
    const tasks = await allTasks(
      context.workflows.get(workflow),
      // The library validates these and names a wrong status or type (exit 1).
      { status: values.status as TaskStatus | undefined, type: values.type, parentId: values.parent },
      limit,
    );
    if (context.json) return writeJson({ workflow, tasks: tasks.map(withoutIdleClaim) });
    if (tasks.length === 0) {
      const filtered = values.status !== undefined || values.type !== undefined || values.parent !== undefined;
      return write(context.style.dim(`no tasks${filtered ? " match" : ""} in workflow ${workflow}.`));
    }
    write(renderTasks(context, tasks));
  },
};
