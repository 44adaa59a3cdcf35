/**
 * What `workflow://{workflow}` reads as: the workflow's summary and metadata and its
 * first page of tasks, with the cursor for the rest. Never the whole workflow: at a
 * million tasks that would be hundreds of megabytes for a client to take in at once;
 * list_tasks pages on from the cursor given here.
 */
import { DEFAULT_PAGE_SIZE } from "../core/inputs.js";
import type { Reservation, StatusSummary, Task, WorkflowMetadata } from "../core/schema.js";
import type { Workflows } from "../workflows.js";
import { compactTask } from "./compact-task.js";

export interface WorkflowResourceBody {
  workflow: string;
  store: string;
  /** With pending_counts.conflicting: the tasks ready but for their paths, which another holder holds. */
  summary: StatusSummary;
  metadata: WorkflowMetadata;
  /** The path reservations in force, oldest first (a task in progress holds its own `paths`). */
  reservations: Reservation[];
  /** The first tasks in creation order, without their history (get_task or workflow://{workflow}/tasks/{id} has it). */
  tasks: Omit<Task, "history">[];
  /** Null when `tasks` is all of them. */
  next_cursor: string | null;
  /** How to read the rest, when there is more. */
  more?: string;
}

export async function workflowResourceBody(workflows: Workflows, name: string): Promise<WorkflowResourceBody> {
  const tm = workflows.get(name);
  const [summary, metadata, reservations, page] = await Promise.all([
    tm.getStatusSummary(),
    tm.getWorkflowMetadata(),
    tm.listReservations(),
    tm.listTasks({ limit: DEFAULT_PAGE_SIZE }),
  ]);
  const body: WorkflowResourceBody = {
    workflow: name,
    store: workflows.store,
    summary,
    metadata,
    reservations,
    tasks: page.tasks.map(compactTask),
    next_cursor: page.next_cursor,
  };
  if (page.next_cursor !== null) {
    body.more = `These are the first ${page.tasks.length} of ${summary.total_tasks} tasks; call list_tasks with workflow "${name}" and cursor "${page.next_cursor}" for the next page (filters: status, task_type, parent_id).`;
  }
  return body;
}
