/**
 * A task as a row of the SQLite store: the columns of store/sql/task-columns.ts,
 * `delayed`, which keeps a scheduled task out of the claim indexes until it is due, and
 * `has_paths`, which puts a task that declares paths in tasks_with_paths.
 */
import type { StoredTask } from "../../core/schema.js";
import { taskColumns, type TaskColumns } from "../sql/task-columns.js";

/** The columns of a row that follow from its body and the time of writing. */
export interface DerivedColumns extends TaskColumns {
  delayed: 0 | 1;
  has_paths: 0 | 1;
}

export function derivedColumns(task: StoredTask, now: Date, body = JSON.stringify(task)): DerivedColumns {
  const columns = taskColumns(task, body);
  return {
    ...columns,
    // Not ready before it: kept out of the claim indexes until a claim finds it due.
    delayed: columns.not_before_ms !== null && columns.not_before_ms > now.getTime() ? 1 : 0,
    has_paths: Array.isArray(task.paths) && task.paths.length > 0 ? 1 : 0,
  };
}
