/**
 * Tasks as tool results carry them. A task's history is for get_task, where an agent
 * asks what happened to one task; everywhere else it would be paid for in tokens on
 * every claim and every page of a listing without being read.
 */
import type { Task } from "../core/schema.js";

export function withoutHistory<T extends Task>(task: T): Omit<T, "history"> {
  const { history: _history, ...rest } = task;
  return rest;
}
