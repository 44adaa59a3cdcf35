/**
 * A task as a row of the SQLite store: the columns of store/sql/task-columns.ts, and
 * `delayed`, which keeps a scheduled task out of the claim indexes until it is due.
 */
import type { StoredTask } from "../../core/schema.js";
import { taskColumns, type TaskColumns } from "../sql/task-columns.js";

/** The columns of a row that follow from its body and the time of writing. */
export interface DerivedColumns extends TaskColumns {
  delayed: 0 | 1;
}

export function derivedColumns(task: StoredTask, now: Date, body = JSON.stringify(task)): DerivedColumns {
  const columns = taskColumns(task, body);
  // Not ready before it: kept out of the claim indexes until a claim finds it due.
  return { ...columns, delayed: columns.not_before_ms !== null && columns.not_before_ms > now.getTime() ? 1 : 0 };
}
