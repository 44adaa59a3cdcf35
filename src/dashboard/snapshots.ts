/**
 * What the dashboard's page reads, as JSON: every workflow with its counts, and one
 * workflow in full (its tasks with their data, results, history and leases). Reads
 * only: they take no lock and change nothing.
 */
import { leaseDeadline } from "../core/lease-deadline.js";
import { MAX_PAGE_SIZE } from "../core/inputs.js";
import type { StatusSummary, Task, WorkflowMetadata } from "../core/schema.js";
import { overviewOfAll, type WorkflowOverview } from "../workflow-overview.js";
import type { Workflows } from "../workflows.js";

/** A page shows at most this many tasks of one workflow; more are counted, not sent. */
export const MAX_TASKS_SHOWN = 5_000;

export interface WorkflowsSnapshot {
  state_dir: string;
  now: string;
  workflows: WorkflowOverview[];
}

/** A task as the page shows it: with `lease_deadline` worked out, so the page only counts down. */
export type ShownTask = Task & { lease_deadline?: string | null };

export interface WorkflowSnapshot {
  name: string;
  now: string;
  summary: StatusSummary;
  metadata: WorkflowMetadata;
  tasks: ShownTask[];
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
  return { name, now: new Date().toISOString(), summary, metadata, tasks, truncated: summary.total_tasks > tasks.length };
}

function withDeadline(task: Task, staleAfterMs: number): ShownTask {
  const deadline = leaseDeadline(task, staleAfterMs);
  if (deadline === null) return task;
  return { ...task, lease_deadline: Number.isNaN(deadline) ? null : new Date(deadline).toISOString() };
}
