/**
 * Group commit between processes: a process that finds a workflow's lock held leaves
 * its call in the mailbox (call-mailbox.ts) instead of only waiting its turn, and
 * whoever holds the lock applies every call waiting there and commits them all in its
 * own write. Under load, one write (and its two fsyncs, most of the cost of a change)
 * then carries the calls of several processes, and the callers do not read each
 * other's changes; without contention nothing changes: the first attempt at the lock
 * succeeds and nothing is posted.
 *
 * The lock still decides everything: calls are taken and applied only by a holder, and
 * a caller that gets the lock before its outcome came settles its call itself, from
 * the state file's `committed_calls` (see call-mailbox.ts for why that is exactly once).
 */
import { LockTimeoutError, StoreUnavailableError } from "../core/errors.js";
import type { WorkflowState } from "../core/schema.js";
import { applyReleasingExpired, type ExpiredLease } from "../core/store-notices.js";
import type { Mutation } from "../core/workflow-rules.js";
import type { CallMailbox, CallOutcome, MailboxContents, PostedCall } from "./call-mailbox.js";
import { acquireFileLock, isFileLockHeld, tryFileLock, type FileLockOptions, type HeldLock } from "./file-lock.js";
import { applyCall, callAt, callTime, type StoreCall } from "./store-call.js";

/** How often a caller looks for its outcome: a batch is committed in a millisecond or two. */
const POLL_MS = 1;
/**
 * A call taken by a holder whose outcome has not come this long after: the holder may
 * have died between taking it and publishing its outcome (a live one always publishes
 * it or declines the call), so the caller takes the lock when it can and looks.
 * Normally the outcome comes within a commit and a directory fsync; this is well past
 * that on a slow disk, where looking early would only make every caller read the file.
 */
const TAKEN_GRACE_MS = 1_000;
/**
 * A posted call's caller takes a free lock only once it has been free this long. The
 * process that just released it usually comes back for its next call within a
 * millisecond and commits ours with it; taking the lock in between would make us read
 * everything changed since we last held it, which costs more than the wait.
 */
const FREE_GRACE_MS = 3;

/** The state file's list of the calls committed for callers that have not collected their outcome yet. */
export const COMMITTED_CALLS = "committed_calls";

export type LockOrOutcome = { lock: HeldLock; posted: PostedCall | null } | { outcome: CallOutcome };

/**
 * The lock, or the outcome of `call` committed by another process that held it. With
 * the lock comes the call if it was posted: the holder settles it (settleUnderLock)
 * before anything else. `holderActive`: another process committed our last call a
 * moment ago, and will likely commit this one too.
 */
export async function lockOrHandOver(
  file: string,
  options: FileLockOptions,
  mailbox: CallMailbox,
  call: StoreCall,
  holderActive: boolean,
): Promise<LockOrOutcome> {
  const started = Date.now();
  // While another process commits our calls, the lock is free only between its commits,
  // for the moment its next call takes to come: taking it then would make us read all
  // it changed meanwhile (and it then waits for us). Post straight away instead.
  if (!holderActive) {
    const lock = await tryFileLock(file, options);
    if (lock) return { lock, posted: null };
  }
  const posted = mailbox.post(call);
  try {
    return await waitForOutcomeOrLock(file, options, posted, started);
  } catch (error) {
    if (posted.withdraw() || error instanceof LockTimeoutError) throw error; // nothing was applied
    // A holder took the call and may commit it yet: its caller must not take the error for "nothing changed".
    posted.remove();
    throw new StoreUnavailableError(
      `A change to "${file}" was taken by the process holding its lock and then not heard of (${(error as Error).message}); it may or may not have been applied (check with get_task).`,
      error,
    );
  }
}

async function waitForOutcomeOrLock(file: string, options: FileLockOptions, posted: PostedCall, started: number): Promise<LockOrOutcome> {
  const deadline = started + options.timeoutMs;
  let freeSince: number | null = null;
  let takenSince: number | null = null;
  for (;;) {
    const status = posted.status();
    if (status === "taken") takenSince ??= Date.now();
    if (status === "done") return { outcome: posted.takeOutcome() };
    if (status === "declined") {
      // The holder did not commit it (its rule threw, or the holder's write failed): it runs
      // here, under our own lock, and a rule that throws throws for its caller.
      posted.remove();
      return { lock: waitedFor(await acquireFileLock(file, options), started), posted: null };
    }
    const now = Date.now();
    if (isFileLockHeld(file, options.staleMs)) {
      freeSince = null;
    } else {
      freeSince ??= now;
      // A posted call waits for nobody: with the lock free a moment, we commit it (and any
      // others) ourselves. A taken call whose outcome is late is looked for under the lock
      // whenever it is free: under load it is never free for long.
      const late = takenSince !== null && now - takenSince >= TAKEN_GRACE_MS;
      if (late || (status === "posted" && now - freeSince >= FREE_GRACE_MS)) {
        const lock = await tryFileLock(file, options);
        if (lock) return { lock: waitedFor(lock, started), posted };
      }
    }
    if (now >= deadline) {
      if (status === "posted" && posted.withdraw()) throw new LockTimeoutError(file, options.timeoutMs / 1000);
      // Taken by a holder that keeps its lock fresh but has neither committed nor declined it.
      if (status === "taken" && now >= deadline + options.timeoutMs) throw new Error(`no outcome ${(now - (takenSince ?? now)) / 1000} s after it was taken`);
    }
    await sleep(POLL_MS);
  }
}

/** The lock, with the whole wait counted (its notice reports long waits), not only the last attempt. */
function waitedFor(lock: HeldLock, started: number): HeldLock {
  return {
    tookOverStaleLock: lock.tookOverStaleLock,
    waitedMs: Date.now() - started,
    assertHeld: () => lock.assertHeld(),
    release: () => lock.release(),
  };
}

/** What a holder did with the calls it took: their outcomes as JSON, to hand over once committed. */
export interface AppliedCalls {
  outcomes: { id: string; json: string }[];
  /** Calls whose rules threw, declined already. */
  declined: Set<string>;
  /** Whether any of them changed the state. */
  changed: boolean;
  /** The latest time among the calls that changed something, for metadata.last_updated. */
  latest: Date | null;
  /** Ids committed earlier whose callers still wait for their outcome: they stay listed. */
  awaited: Set<string>;
}

/**
 * Under the lock, after the holder's own change: applies each call taken from the
 * mailbox to `state`, in the order posted, at `now` (the holder's time of applying; never
 * before the time its caller posted it). A call whose rule throws changed nothing and
 * is declined (its caller runs it and gets the error). A claim's or cancel's outcome
 * carries the expired claims it released, for its caller's notices.
 */
export function applyTakenCalls(mailbox: CallMailbox, state: WorkflowState, contents: MailboxContents, now: Date): AppliedCalls {
  const applied: AppliedCalls = { outcomes: [], declined: new Set(), changed: false, latest: null, awaited: contents.awaited };
  for (const { id, call: posted } of contents.taken) {
    const call = callTime(posted) < now ? callAt(posted, now) : posted;
    let mutation: Mutation<unknown>;
    let released: ExpiredLease[] = [];
    try {
      const rule = (current: WorkflowState) => applyCall(current, call);
      if (call.op === "claim" || call.op === "cancel") ({ mutation, released } = applyReleasingExpired(state, call.request, rule));
      else mutation = rule(state);
    } catch {
      mailbox.decline(id);
      applied.declined.add(id);
      continue;
    }
    const outcome: CallOutcome = { value: mutation.value ?? null };
    if (released.length > 0) outcome.leasesExpired = released;
    // As JSON now: a later call of the batch may change the same task in place.
    applied.outcomes.push({ id, json: JSON.stringify(outcome) });
    if (mutation.changed) {
      applied.changed = true;
      const at = callTime(call);
      if (applied.latest === null || at > applied.latest) applied.latest = at;
    }
  }
  return applied;
}

/** The ids the state file lists as committed for callers still waiting. */
export function committedCallsOf(state: WorkflowState): string[] {
  const listed = state[COMMITTED_CALLS];
  return Array.isArray(listed) ? listed.filter((id): id is string => typeof id === "string") : [];
}

/**
 * Lists as committed the calls of this write and those earlier ones still awaited; the
 * list goes when empty, so that a workflow nobody contends for looks as the seed wrote it.
 */
export function recordCommittedCalls(state: WorkflowState, applied: AppliedCalls): void {
  const ids = [...committedCallsOf(state).filter((id) => applied.awaited.has(id)), ...applied.outcomes.map(({ id }) => id)];
  if (ids.length > 0) state[COMMITTED_CALLS] = ids;
  else delete state[COMMITTED_CALLS];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
