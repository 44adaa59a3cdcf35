/** A page of list_tasks from the rows a SQL store read: one more than the page holds when there is a next one. */
import type { Task, TaskPage } from "../../core/schema.js";
import type { TaskQuery } from "../../core/task-store.js";
import * as rules from "../../core/workflow-rules.js";

/** `tasks`, the first `limit` of `fetched` rows, presented; a cursor when a row was left over. */
export function taskPage(tasks: Task[], fetched: number, limit: number): TaskPage {
  const last = tasks.at(-1);
  return { tasks, next_cursor: fetched > limit && last ? rules.encodeCursor(last.id) : null };
}

/** The page of a workflow that does not exist: empty, and no cursor can point into it. */
export function pageOfNoWorkflow(query: TaskQuery): TaskPage {
  if (query.cursor !== undefined) throw rules.invalidCursor();
  return { tasks: [], next_cursor: null };
}
