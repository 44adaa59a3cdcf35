/**
 * What a store reports that no caller asked about but an operator should know:
 * waits for the lock, locks taken over from dead processes, leases that ran out,
 * corrupt state. The MCP server turns them into log messages; the library passes
 * them to `onNotice` when given one and is silent otherwise.
 */
import type { StoredTask, TaskStatus, WorkflowState } from "./schema.js";
import { taskIdsOf } from "./task-order.js";
import { isLeaseExpired, type Mutation } from "./workflow-rules.js";

export interface ExpiredLease {
  taskId: string;
  /** Who held it. */
  holder: string | null;
  attempt: number;
  /** After the release: pending (to be retried) or failed (no attempts left). */
  status?: TaskStatus | undefined;
}

export type StoreNotice =
  /** A change waited this long for the lock (reported only past a threshold). */
  | { kind: "lock_waited"; location: string; waitedMs: number }
  /** A change gave up waiting for the lock (LOCK_TIMEOUT). */
  | { kind: "lock_timeout"; location: string; waitedMs: number }
  /** The lock of a dead or stalled process was removed. */
  | { kind: "stale_lock_taken_over"; location: string }
  /** Claims whose leases ran out were released (by a claim or a cancel). */
  | { kind: "leases_expired"; location: string; leases: ExpiredLease[] }
  /** The state could not be read; reported once per distinct content. */
  | { kind: "state_file_corrupt"; location: string; message: string }
  /** A change was made but the disk did not confirm it (the directory's fsync failed): a power loss could undo it. */
  | { kind: "not_durable"; location: string };

export type NoticeListener = (notice: StoreNotice) => void;

/** `listener`, made unable to fail a call: a notice is told after its change is made, and a listener's error is its own. */
export function guardedListener(listener: NoticeListener | undefined): NoticeListener | undefined {
  if (listener === undefined) return undefined;
  return (notice) => {
    try {
      listener(notice);
    } catch {
      // the listener's own failure: the change it was told of stands
    }
  };
}

/** The claims that a claim or cancel at `now` releases first (see releaseStaleClaims). */
export function expiredClaims(state: WorkflowState, now: Date, staleAfterMs: number): ExpiredLease[] {
  const expired: ExpiredLease[] = [];
  for (const taskId of taskIdsOf(state)) {
    const task = state.tasks[taskId] as StoredTask;
    if (isLeaseExpired(task, now, staleAfterMs)) expired.push({ taskId, holder: task.locked_by, attempt: task.attempts ?? 0 });
  }
  return expired;
}

/**
 * Runs a claim's or a cancel's rule, which first releases expired claims; returns its
 * mutation and the claims it released, each with the task's status after the rule.
 */
export function applyReleasingExpired<T>(
  state: WorkflowState,
  at: { now: Date; staleAfterMs: number },
  rule: (state: WorkflowState) => Mutation<T>,
): { mutation: Mutation<T>; released: ExpiredLease[] } {
  const expired = expiredClaims(state, at.now, at.staleAfterMs);
  const mutation = rule(state);
  return { mutation, released: expired.map((lease) => ({ ...lease, status: state.tasks[lease.taskId]?.status })) };
}
