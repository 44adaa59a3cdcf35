/**
 * Every workflow of a state directory with its counts, for people (the CLI's `workflows`
 * and `watch`, the dashboard). A workflow whose file cannot be read is listed with its
 * error instead of hiding the others.
 */
import { isTaskManagerError } from "./core/errors.js";
import type { PendingCounts, TaskStatus } from "./core/schema.js";
import type { Workflows } from "./workflows.js";

export interface WorkflowOverview {
  name: string;
  total_tasks?: number;
  status_counts?: Record<TaskStatus, number>;
  pending_counts?: PendingCounts;
  /** Set instead of the counts when the state file cannot be read (corrupt, locked too long). */
  error?: { code: string; message: string };
}

export async function overviewOf(workflows: Workflows, name: string): Promise<WorkflowOverview> {
  try {
    const summary = await workflows.get(name).getStatusSummary();
    return { name, total_tasks: summary.total_tasks, status_counts: summary.status_counts, pending_counts: summary.pending_counts };
  } catch (error) {
    if (!isTaskManagerError(error)) throw error;
    return { name, error: { code: error.code, message: error.message } };
  }
}

/** Sorted by name. */
export async function overviewOfAll(workflows: Workflows): Promise<WorkflowOverview[]> {
  const names = await workflows.list();
  return Promise.all(names.map((name) => overviewOf(workflows, name)));
}
