/**
 * The one way a rule gets a task it is about to change. A store may hand rules tasks
 * that are frozen (the JSON state file codec freezes every task whose text it keeps,
 * so that "the same object" proves "the same text" and a write need not look inside
 * the thousands of tasks a rule did not touch); such a task is replaced by a copy,
 * which the rule changes.
 *
 * A task that is not frozen (the SQL stores' rows) is changed in place. A rule that
 * changed a frozen task without this would throw, never lose the change silently.
 */
import { defineOwn } from "./define-own.js";
import type { StoredTask, WorkflowState } from "./schema.js";

export function writableTask(state: WorkflowState, id: string): StoredTask {
  const task = state.tasks[id] as StoredTask;
  if (!Object.isFrozen(task)) return task;
  const copy = { ...task }; // the same keys in the same order; nested values stay frozen and shared
  defineOwn(state.tasks, id, copy);
  return copy;
}
