/**
 * When a claim could next succeed if nothing else changed: the time alone makes a
 * scheduled task ready (its not_before, a retry's backoff) and ends a lease. A
 * waiting getNextTask sleeps until then, or until the workflow changes.
 *
 * It mirrors claimNextTask in workflow-rules.ts: a claim first releases the expired
 * claims, then takes a ready pending task of the requested types.
 */
import { dependenciesMet, isScheduledLater } from "./readiness.js";
import { leaseDeadline } from "./lease-deadline.js";
import { TaskStatus, type StoredTask, type WorkflowState } from "./schema.js";
import { taskIdsOf } from "./task-order.js";
import { parseTimestamp } from "./time.js";

export interface ClaimabilityQuery {
  /** Only tasks of these types; all types when absent or empty. */
  taskTypes?: readonly string[] | undefined;
  now: Date;
  /** The task timeout: how long a claim made without a lease (by the seed) lasts. */
  staleAfterMs: number;
}

/**
 * `now` when a claim would succeed now; the earliest later time at which one could
 * (a matching task's not_before, or the end of a matching claim's lease, after which
 * it goes back to pending); null when only a change can make one claimable (a new
 * task, a release, a dependency completed).
 */
export function nextClaimTime(state: WorkflowState, query: ClaimabilityQuery): Date | null {
  const now = query.now.getTime();
  const types = query.taskTypes && query.taskTypes.length > 0 ? new Set(query.taskTypes) : null;
  let earliest = Number.POSITIVE_INFINITY;
  for (const id of taskIdsOf(state)) {
    const task = state.tasks[id] as StoredTask;
    if (types && !types.has(task.type)) continue;
    let at: number;
    if (task.status === TaskStatus.PENDING) {
      if (!dependenciesMet(state, task)) continue;
      at = isScheduledLater(task, query.now) ? parseTimestamp(task.not_before as string) : now;
    } else if (task.status === TaskStatus.IN_PROGRESS) {
      const deadline = leaseDeadline(task, query.staleAfterMs);
      if (deadline === null) continue;
      // Expired only once strictly past the deadline; an unreadable time counts as expired.
      at = Number.isNaN(deadline) ? now : Math.max(now, deadline + 1);
    } else {
      continue;
    }
    if (at < earliest) earliest = at;
    if (earliest <= now) return query.now;
  }
  return Number.isFinite(earliest) ? new Date(earliest) : null;
}
