/**
 * How the JSON store reports its notices (see core/store-notices.ts): kept here so the
 * store itself only says where each one arises.
 */
import { LockTimeoutError, StateFileCorruptError, type TaskManagerError } from "../../core/errors.js";
import type { WorkflowState } from "../../core/schema.js";
import { applyReleasingExpired, guardedListener, type ExpiredLease, type NoticeListener } from "../../core/store-notices.js";
import type { Mutation } from "../../core/workflow-rules.js";
import type { HeldLock } from "./file-lock.js";

/** Waits for the lock shorter than this are normal contention between agents and go unreported. */
export const LOCK_WAIT_NOTICE_MS = 250;

type Rule<T> = (state: WorkflowState, now: Date) => Mutation<T>;

export class NoticeReporter {
  /** The message of the corrupt file last reported, so a file read again and again is reported once. */
  private reportedCorrupt: string | null = null;

  private readonly listener: NoticeListener | undefined;

  constructor(
    private readonly location: string,
    listener: NoticeListener | undefined,
  ) {
    this.listener = guardedListener(listener);
  }

  lockAcquired(lock: HeldLock): void {
    if (!this.listener) return;
    if (lock.tookOverStaleLock) this.listener({ kind: "stale_lock_taken_over", location: this.location });
    if (lock.waitedMs >= LOCK_WAIT_NOTICE_MS) this.listener({ kind: "lock_waited", location: this.location, waitedMs: lock.waitedMs });
  }

  /** A change was made, but the directory's fsync failed: a power loss could still undo it. */
  notDurable(): void {
    this.listener?.({ kind: "not_durable", location: this.location });
  }

  /** The error, after reporting a LOCK_TIMEOUT or (once per problem) a corrupt state file. */
  reported(error: TaskManagerError, timeoutMs: number): TaskManagerError {
    if (error instanceof LockTimeoutError) this.listener?.({ kind: "lock_timeout", location: this.location, waitedMs: timeoutMs });
    if (error instanceof StateFileCorruptError && this.reportedCorrupt !== error.message) {
      this.reportedCorrupt = error.message;
      this.listener?.({ kind: "state_file_corrupt", location: this.location, message: error.message });
    }
    return error;
  }

  /**
   * A claim's or a cancel's rule, which first releases expired claims, and `report`, to
   * call once the change is written: it tells of the claims the rule's last run released.
   */
  releasingExpired<T>(staleAfterMs: number, rule: Rule<T>): { rule: Rule<T>; report: () => void } {
    let released: ExpiredLease[] = [];
    return {
      rule: (state, now) => {
        if (!this.listener) return rule(state, now);
        const applied = applyReleasingExpired(state, { now, staleAfterMs }, (current) => rule(current, now));
        released = applied.released;
        return applied.mutation;
      },
      report: () => {
        if (released.length > 0) this.listener?.({ kind: "leases_expired", location: this.location, leases: released });
      },
    };
  }
}
