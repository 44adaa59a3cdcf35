/**
 * The ids of a workflow's tasks in their order, without asking the object for them
 * each time. `state.tasks` holds thousands of keys, so V8 keeps it as a hash table,
 * and Object.keys, Object.entries and for…in on it sort every key by insertion order
 * on every call, which at thousands of tasks costs more than the rule itself.
 *
 * A store that builds a tasks object (the JSON state file codec) records its order
 * here; rules then read it with taskIdsOf and add tasks with addTask, which keeps it
 * up to date. A tasks object with no recorded order (a partial state of the SQL
 * stores, a freshly parsed file) is simply asked. Nothing here removes a task: no
 * rule does, and a store that does builds a new object.
 */
import { defineOwn } from "./define-own.js";
import type { StoredTask, WorkflowState } from "./schema.js";

const orders = new WeakMap<object, string[]>();

/** The ids of `state.tasks` in order. Read-only to callers: it may be the recorded order itself. */
export function taskIdsOf(state: WorkflowState): readonly string[] {
  return orders.get(state.tasks) ?? Object.keys(state.tasks);
}

/** Adds (or replaces) a task, keeping a recorded order true. */
export function addTask(state: WorkflowState, id: string, task: StoredTask): void {
  const order = orders.get(state.tasks);
  if (order && !Object.hasOwn(state.tasks, id)) order.push(id);
  defineOwn(state.tasks, id, task);
}

/** Records the order of `tasks` from the object itself, unless it is recorded already. */
export function keepTaskOrder(tasks: WorkflowState["tasks"]): void {
  if (!orders.has(tasks)) orders.set(tasks, Object.keys(tasks));
}

/** Records `ids` as the order of `tasks`: exactly its own keys, in insertion order. The array is kept, not copied. */
export function recordTaskOrder(tasks: WorkflowState["tasks"], ids: string[]): void {
  orders.set(tasks, ids);
}
