/**
 * When a claim runs out, for showing it to people (the CLI and the dashboard count
 * it down). The same reckoning as isLeaseExpired in workflow-rules.ts: the lease's
 * end, or, for a claim the seed made without a lease, locked_at plus the task timeout.
 */
import { TaskStatus, type StoredTask } from "./schema.js";
import { parseTimestamp } from "./time.js";

/** Milliseconds since the epoch; null when the task is not held; NaN when its times are unreadable. */
export function leaseDeadline(task: StoredTask, staleAfterMs: number): number | null {
  if (task.status !== TaskStatus.IN_PROGRESS) return null;
  if (task.lease_expires_at != null) return parseTimestamp(task.lease_expires_at);
  if (task.locked_at !== null) return parseTimestamp(task.locked_at) + staleAfterMs;
  return null;
}
