/**
 * Tasks as tool results and resources carry them. A task's history is for get_task, where
 * an agent asks what happened to one task; everywhere else it would be paid for in tokens on
 * every claim and every page of a listing without being read.
 */
import { TaskStatus, type Task } from "../core/schema.js";

/** The fields of a claim: they say something only while the task is in progress. */
const CLAIM_FIELDS = ["locked_by", "locked_at", "lease_expires_at", "lease_seconds"] as const;

/**
 * A task without the fields of a claim unless it is in progress. A pending or finished
 * task is held by nobody, and nulls and a spent lease's length would only be misread.
 */
export function withoutIdleClaim<T extends Task>(task: T): T {
  if (task.status === TaskStatus.IN_PROGRESS) return task;
  const shown: Record<string, unknown> = { ...task };
  for (const field of CLAIM_FIELDS) delete shown[field];
  return shown as T;
}

/** A task as every result but get_task shows it: without its history, and without an idle claim's fields. */
export function compactTask<T extends Task>(task: T): Omit<T, "history"> {
  const { history: _history, ...rest } = withoutIdleClaim(task);
  return rest;
}
