/**
 * A task as a row of either SQL store: the stored task itself as JSON in `body`, and the
 * columns SQL searches and orders by, derived here from the body and nowhere else, by the
 * same readings of time the rules use (core/readiness.ts, core/lease-deadline.ts).
 */
import { StateFileCorruptError } from "../../core/errors.js";
import { TaskStatus, type StoredTask } from "../../core/schema.js";
import { parseTimestamp } from "../../core/time.js";

/** The columns of a row that follow from its task. */
export interface TaskColumns {
  status: string;
  priority: number;
  not_before_ms: number | null;
  expires_ms: number | null;
  locked_ms: number | null;
  body: string;
}

/** Stands for an unreadable lease time: before any clock, so the claim counts as expired (as isLeaseExpired has it). */
const UNREADABLE_TIME_MS = -1;

export function taskColumns(task: StoredTask, body = JSON.stringify(task)): TaskColumns {
  const notBefore = task.not_before == null ? Number.NaN : parseTimestamp(task.not_before);
  let expiresMs: number | null = null;
  let lockedMs: number | null = null;
  if (task.status === TaskStatus.IN_PROGRESS) {
    if (task.lease_expires_at != null) expiresMs = readableMs(task.lease_expires_at);
    else if (task.locked_at !== null) lockedMs = readableMs(task.locked_at);
  }
  return {
    status: task.status,
    priority: task.priority ?? 0,
    not_before_ms: Number.isNaN(notBefore) ? null : Math.floor(notBefore),
    expires_ms: expiresMs,
    locked_ms: lockedMs,
    body,
  };
}

function readableMs(stamp: string): number {
  const ms = parseTimestamp(stamp);
  return Number.isNaN(ms) ? UNREADABLE_TIME_MS : Math.floor(ms);
}

/** The stored task a row's body holds; STATE_FILE_CORRUPT, naming the task, if it is not JSON. */
export function parseTaskBody(location: string, id: string, body: string): StoredTask {
  try {
    return JSON.parse(body) as StoredTask;
  } catch (error) {
    throw new StateFileCorruptError(location, `task "${id}" is not valid JSON: ${(error as Error).message}`);
  }
}
