/**
 * What the dashboard's page reads, as JSON: every workflow with its counts, and one
 * workflow in full (its tasks with their data, results, history and leases, and who
 * holds which paths). Reads only: they take no lock and change nothing.
 */
import { leaseDeadline } from "../core/lease-deadline.js";
import { MAX_PAGE_SIZE } from "../core/inputs.js";
import type { PathConflict } from "../core/path-holds.js";
import type { StatusSummary, Task, WorkflowMetadata } from "../core/schema.js";
import { conflictsOf, heldPaths, type HeldPath } from "../held-paths.js";
import { overviewOfAll, type WorkflowOverview } from "../workflow-overview.js";
import type { TaskManager } from "../task-manager.js";
import type { Workflows } from "../workflows.js";

/** A page shows at most this many tasks of one workflow; more are counted, not sent. */
export const MAX_TASKS_SHOWN = 5_000;

export interface WorkflowsSnapshot {
  state_dir: string;
  now: string;
  workflows: WorkflowOverview[];
}

/**
 * A task as the page shows it: with `lease_deadline` worked out, so the page only counts
 * down, and, for a pending task whose paths overlap a hold, `path_conflicts`: those holds.
 */
export type ShownTask = Task & { lease_deadline?: string | null; path_conflicts?: PathConflict[] };

export interface WorkflowSnapshot {
  name: string;
  now: string;
  summary: StatusSummary;
  metadata: WorkflowMetadata;
  tasks: ShownTask[];
  /** Who holds which paths: the paths of its tasks in progress, then its reservations in force. */
  path_holds: HeldPath[];
  /** True when the workflow holds more than MAX_TASKS_SHOWN tasks and only the first are sent. */
  truncated: boolean;
}

export class WorkflowMissingError extends Error {
  override readonly name = "WorkflowMissingError";
}

export async function workflowsSnapshot(workflows: Workflows): Promise<WorkflowsSnapshot> {
  return { state_dir: workflows.stateDir, now: new Date().toISOString(), workflows: await overviewOfAll(workflows) };
}

export async function workflowSnapshot(workflows: Workflows, name: string, staleAfterMs: number): Promise<WorkflowSnapshot> {
  // exists() refuses a name that is not allowed
  if (!(await workflows.exists(name))) throw new WorkflowMissingError(`No workflow "${name}" in the state directory.`);
  const tm = workflows.get(name);
  const [summary, metadata] = await Promise.all([tm.getStatusSummary(), tm.getWorkflowMetadata()]);
  const tasks: ShownTask[] = [];
  let cursor: string | undefined;
  do {
    const page = await tm.listTasks({ limit: Math.min(MAX_PAGE_SIZE, MAX_TASKS_SHOWN - tasks.length), ...(cursor !== undefined && { cursor }) });
    for (const task of page.tasks) tasks.push(withDeadline(task, staleAfterMs));
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && tasks.length < MAX_TASKS_SHOWN);
  const truncated = summary.total_tasks > tasks.length;
  // Every task in progress holds its paths, shown or not: read them apart when some were left out.
  const inProgress = truncated ? await tasksInProgress(tm) : tasks.filter((task) => task.status === "in_progress");
  const holds = await heldPaths(tm, inProgress, staleAfterMs);
  const now = new Date();
  for (const [index, task] of tasks.entries()) {
    const conflicts = conflictsOf(task, holds, now);
    if (conflicts.length > 0) tasks[index] = { ...task, path_conflicts: conflicts };
  }
  return { name, now: now.toISOString(), summary, metadata, tasks, path_holds: holds, truncated };
}

async function tasksInProgress(tm: TaskManager): Promise<Task[]> {
  const tasks: Task[] = [];
  let cursor: string | undefined;
  do {
    const page = await tm.listTasks({ status: "in_progress", limit: MAX_PAGE_SIZE, ...(cursor !== undefined && { cursor }) });
    tasks.push(...page.tasks);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return tasks;
}

function withDeadline(task: Task, staleAfterMs: number): ShownTask {
  const deadline = leaseDeadline(task, staleAfterMs);
  if (deadline === null) return task;
  return { ...task, lease_deadline: Number.isNaN(deadline) ? null : new Date(deadline).toISOString() };
}
