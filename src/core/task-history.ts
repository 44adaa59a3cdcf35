/**
 * A task's short log of what happened to it. Bounded, so a task retried or
 * heartbeated for days stays small in the state file and in every result.
 */
import { HistoryEvent, type HistoryEntry, type StoredTask } from "./schema.js";
import { toIsoTimestamp } from "./time.js";

/** Entries kept per task; older ones are dropped. */
export const HISTORY_LIMIT = 20;

export interface HistoryNote {
  event: HistoryEvent;
  agent?: string | null | undefined;
  attempt?: number | undefined;
  detail?: string | undefined;
}

export function recordHistory(task: StoredTask, now: Date, note: HistoryNote): void {
  const entry: HistoryEntry = { at: toIsoTimestamp(now), event: note.event };
  if (note.agent != null) entry.agent = note.agent;
  if (note.attempt !== undefined) entry.attempt = note.attempt;
  if (note.detail !== undefined) entry.detail = note.detail;
  // A new array, never a push: tasks returned earlier share the old one and must not change under their holder.
  const history = [...(task.history ?? [])];
  const last = history[history.length - 1];
  // Heartbeats of one claim collapse into one entry (its latest), so they cannot push out the rest.
  if (entry.event === HistoryEvent.HEARTBEAT && last?.event === HistoryEvent.HEARTBEAT && last.agent === entry.agent && last.attempt === entry.attempt) {
    history[history.length - 1] = entry;
  } else {
    history.push(entry);
  }
  task.history = history.slice(-HISTORY_LIMIT);
}
