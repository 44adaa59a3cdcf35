/**
 * What happens to a task when an attempt at it fails — its holder reports a
 * retryable failure, or its lease runs out: back to pending after a backoff while
 * attempts remain, otherwise failed for good, keeping the last error either way.
 */
import { HistoryEvent, TaskStatus, type StoredTask } from "./schema.js";
import { recordHistory } from "./task-history.js";
import { toIsoTimestamp } from "./time.js";

/** The backoff doubles per retry up to this (one hour), but never below the task's own base delay. */
export const MAX_RETRY_DELAY_SECONDS = 3600;

/** Seconds to wait before retrying after the `failures`-th failed attempt: base, 2×base, 4×base, … capped. */
export function retryDelaySeconds(baseSeconds: number, failures: number): number {
  if (baseSeconds <= 0) return 0;
  const cap = Math.max(baseSeconds, MAX_RETRY_DELAY_SECONDS);
  return Math.min(baseSeconds * 2 ** Math.max(0, failures - 1), cap);
}

export interface FailedAttempt {
  /** LEASE_EXPIRED or FAILED: what ended the attempt, for the history. */
  event: typeof HistoryEvent.LEASE_EXPIRED | typeof HistoryEvent.FAILED;
  agent: string | null;
  error: string;
}

/** Ends the current attempt as failed; returns "retrying" or "failed". */
export function failAttempt(task: StoredTask, now: Date, attempt: FailedAttempt): "retrying" | "failed" {
  const failures = (task.failures ?? 0) + 1;
  task.failures = failures;
  task.last_error = attempt.error;
  task.status = TaskStatus.PENDING;
  task.locked_by = null;
  task.locked_at = null;
  task.lease_expires_at = null;
  delete task.claim_token_sha256;
  delete task.holder_session_sha256;
  recordHistory(task, now, { event: attempt.event, agent: attempt.agent, attempt: task.attempts, detail: attempt.error });
  if (task.max_attempts !== undefined && failures >= task.max_attempts) {
    task.status = TaskStatus.FAILED;
    task.completed_at = toIsoTimestamp(now);
    recordHistory(task, now, { event: HistoryEvent.FAILED, detail: `no attempts left (${failures} of ${task.max_attempts} failed)` });
    return "failed";
  }
  const delay = retryDelaySeconds(task.retry_delay_seconds ?? 0, failures);
  task.not_before = delay > 0 ? toIsoTimestamp(new Date(now.getTime() + delay * 1000)) : null;
  recordHistory(task, now, {
    event: HistoryEvent.RETRY_SCHEDULED,
    detail: task.not_before === null ? "now" : `not before ${task.not_before}`,
  });
  return "retrying";
}
