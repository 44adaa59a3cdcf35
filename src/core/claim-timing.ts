/**
 * When a claim could next succeed if nothing else changed: the time alone makes a
 * scheduled task ready (its not_before, a retry's backoff) and ends a lease. A
 * waiting getNextTask sleeps until then, or until the workflow changes.
 *
 * It mirrors claimNextTask in workflow-rules.ts: a claim first releases the expired
 * claims, then takes a ready pending task of the requested types.
 */
import { dependenciesMet, isScheduledLater } from "./readiness.js";
import { conflictsWith, holdsOf, type Holder, type PathHold } from "./path-holds.js";
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
  /** Who would claim: a task whose paths another holder holds is claimable once those holds end. */
  holder?: Holder | undefined;
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
  let holds: PathHold[] | null = null;
  const freedAt = (task: StoredTask): number | null => {
    if (query.holder === undefined || task.paths === undefined) return now;
    holds ??= holdsOf(state, query.now);
    return pathsFreedAt(state, task.paths, { ...query, holder: query.holder }, holds);
  };
  for (const id of taskIdsOf(state)) {
    const task = state.tasks[id] as StoredTask;
    if (types && !types.has(task.type)) continue;
    let at: number;
    if (task.status === TaskStatus.PENDING) {
      if (!dependenciesMet(state, task)) continue;
      at = isScheduledLater(task, query.now) ? parseTimestamp(task.not_before as string) : now;
      const freed = freedAt(task);
      if (freed === null) continue;
      at = Math.max(at, freed);
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

/**
 * When `paths` are free for the query's holder: now, or when every hold in the way ends by
 * itself (a reservation's expiry, a task's lease end); null when one never does. `holds` are
 * holdsOf(state, query.now); `state` holds the tasks they belong to.
 */
export function pathsFreedAt(
  state: WorkflowState,
  paths: readonly string[],
  query: Omit<ClaimabilityQuery, "holder"> & { holder: Holder },
  holds: readonly PathHold[],
): number | null {
  let freed = query.now.getTime();
  for (const conflict of conflictsWith(paths, query.holder, "claim", holds, query.now)) {
    let end: number | null = null;
    if (conflict.expires_at !== null) end = parseTimestamp(conflict.expires_at);
    else if (conflict.task_id !== null && Object.hasOwn(state.tasks, conflict.task_id)) {
      const deadline = leaseDeadline(state.tasks[conflict.task_id] as StoredTask, query.staleAfterMs);
      end = deadline === null || Number.isNaN(deadline) ? null : deadline + 1;
    }
    if (end === null || Number.isNaN(end)) return null;
    freed = Math.max(freed, end);
  }
  return freed;
}
