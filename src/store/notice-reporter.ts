/**
 * How the JSON file store reports its notices (see core/store-notices.ts): kept
 * here so the store itself only says where each one arises.
 */
import { LockTimeoutError, StateFileCorruptError } from "../core/errors.js";
import type { WorkflowState } from "../core/schema.js";
import { applyReleasingExpired, type ExpiredLease, type NoticeListener } from "../core/store-notices.js";
import type { Mutation } from "../core/workflow-rules.js";
import type { HeldLock } from "./file-lock.js";

/** Waits for the lock shorter than this are normal contention between agents and go unreported. */
export const LOCK_WAIT_NOTICE_MS = 250;

export class NoticeReporter {
  /** The corrupt content last reported, so a file read again and again is reported once. */
  private reportedCorrupt: Buffer | null = null;

  constructor(
    private readonly location: string,
    private readonly listener: NoticeListener | undefined,
  ) {}

  lockAcquired(lock: HeldLock): void {
    if (!this.listener) return;
    if (lock.tookOverStaleLock) this.listener({ kind: "stale_lock_taken_over", location: this.location });
    if (lock.waitedMs >= LOCK_WAIT_NOTICE_MS) this.listener({ kind: "lock_waited", location: this.location, waitedMs: lock.waitedMs });
  }

  /** Passes any error on; a LOCK_TIMEOUT is reported first. */
  failed(error: unknown, timeoutMs: number): never {
    if (error instanceof LockTimeoutError) this.listener?.({ kind: "lock_timeout", location: this.location, waitedMs: timeoutMs });
    throw error;
  }

  /** Passes the error on; a corrupt state file is reported first, once per content. */
  unreadable(bytes: Buffer, error: unknown): never {
    if (error instanceof StateFileCorruptError && !this.reportedCorrupt?.equals(bytes)) {
      this.reportedCorrupt = bytes;
      this.listener?.({ kind: "state_file_corrupt", location: this.location, message: error.message });
    }
    throw error;
  }

  /**
   * Runs `update` with a rule that first releases expired claims (a claim, a cancel)
   * and, once the change is written, reports the claims it released.
   */
  async releasingExpired<T>(
    staleAfterMs: number,
    rule: (state: WorkflowState, now: Date) => Mutation<T>,
    update: (apply: (state: WorkflowState, now: Date) => Mutation<T>) => Promise<T>,
  ): Promise<T> {
    if (!this.listener) return update(rule);
    let released: ExpiredLease[] = [];
    const value = await update((state, now) => {
      const applied = applyReleasingExpired(state, { now, staleAfterMs }, (current) => rule(current, now));
      released = applied.released;
      return applied.mutation;
    });
    this.reportExpired(released);
    return value;
  }

  /** Reports released claims, once their change is written. */
  reportExpired(released: readonly ExpiredLease[]): void {
    if (released.length > 0) this.listener?.({ kind: "leases_expired", location: this.location, leases: [...released] });
  }
}
