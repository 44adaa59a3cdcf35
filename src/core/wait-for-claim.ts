/**
 * getNextTask with `waitMs`: claim as soon as a matching task becomes claimable —
 * created, released, its lease ended, its dependencies done, its not_before reached —
 * by any process, or give up with null at the deadline.
 *
 * It sleeps rather than polls. The store calls back on every committed change
 * (watchChanges) and says when the time alone will make a task claimable
 * (nextClaimTime); the loop sleeps until the earlier of the two, then a cheap
 * unlocked read decides whether a claim, which takes the lock, is worth trying.
 */
import type { ClaimabilityQuery } from "./claim-timing.js";
import type { ClaimedTask } from "./schema.js";
import type { TaskStore } from "./task-store.js";

/** How often a store that cannot report changes is re-checked, and the pause after a claim that found nothing. */
export const RECHECK_WITHOUT_CHANGES_MS = 1_000;
/** setTimeout's limit; longer sleeps wake early and sleep again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WaitForClaimOptions {
  store: TaskStore;
  /** One claim attempt, as getNextTask makes it without waiting. */
  claim: () => Promise<ClaimedTask | null>;
  /** The query for nextClaimTime, with the current time. */
  query: () => ClaimabilityQuery;
  waitMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * The claimed task, or null when none became claimable within `waitMs`. Rejects with
 * the signal's reason once it is aborted; a claim already under way is finished
 * first, and if it got a task, that task is returned.
 */
export async function waitForClaim(options: WaitForClaimOptions): Promise<ClaimedTask | null> {
  const { store, signal } = options;
  signal?.throwIfAborted();
  const deadline = Date.now() + options.waitMs;
  const changes = new ChangeCounter(store);
  try {
    // The change count at which a claim found nothing although a task looked claimable:
    // until something changes (or time passes), trying again would find nothing again.
    let fruitlessAt = -1;
    for (;;) {
      const seen = changes.count;
      const query = options.query();
      const now = query.now.getTime();
      const at = store.nextClaimTime ? await store.nextClaimTime(query) : undefined;
      // A store that cannot tell (undefined) is simply tried.
      const claimableNow = at === undefined || (at !== null && at.getTime() <= now);
      if (claimableNow && seen !== fruitlessAt) {
        signal?.throwIfAborted();
        const task = await options.claim();
        if (task) return task;
        fruitlessAt = seen;
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      let sleepMs = remaining;
      if (at != null && at.getTime() > now) sleepMs = Math.min(sleepMs, at.getTime() - now);
      if (claimableNow || !changes.live) sleepMs = Math.min(sleepMs, RECHECK_WITHOUT_CHANGES_MS);
      if ((await changes.next(seen, sleepMs, signal)) === "timeout") fruitlessAt = -1;
    }
  } finally {
    changes.close();
  }
}

/** Counts the store's change notifications while a wait lasts, and lets the loop sleep until the next. */
class ChangeCounter {
  count = 0;
  /** False when the store cannot report changes. */
  readonly live: boolean;
  private readonly stop: (() => void) | undefined;
  private wake: (() => void) | null = null;

  constructor(store: TaskStore) {
    this.stop = store.watchChanges?.(() => {
      this.count += 1;
      this.wake?.();
    });
    this.live = this.stop !== undefined;
  }

  /** Resolves "change" once the count differs from `seen` (at once if it already does), else "timeout" after `ms`. */
  next(seen: number, ms: number, signal: AbortSignal | undefined): Promise<"change" | "timeout"> {
    if (this.count !== seen) return Promise.resolve("change");
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.wake = null;
      };
      const onAbort = (): void => {
        settle();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        settle();
        resolve("timeout");
      }, Math.min(Math.max(0, ms), MAX_TIMER_MS));
      this.wake = () => {
        settle();
        resolve("change");
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  close(): void {
    this.wake = null;
    this.stop?.();
  }
}
