/**
 * Whether a pending task may be claimed now, and if not, why: scheduled for later,
 * waiting for dependencies, or blocked for good because a dependency failed or was
 * cancelled. Pure reads of the state; the time is the caller's.
 */
import { TaskStatus, type PendingCounts, type StoredTask, type WorkflowState } from "./schema.js";
import { parseTimestamp } from "./time.js";

export type PendingState = keyof PendingCounts;

/** Ids of the failed or cancelled tasks the task waits on, directly or through other dependencies. */
export type BlockerMemo = Map<string, string[]>;

function taskAt(state: WorkflowState, id: string): StoredTask | undefined {
  return Object.hasOwn(state.tasks, id) ? state.tasks[id] : undefined;
}

/**
 * The failed, cancelled or missing tasks that keep `task` from ever running. A pending
 * dependency that is itself blocked passes its blockers on, so a whole chain below a
 * failure shows the failure. `memo` shares the work across many calls (summaries).
 */
export function blockersOf(state: WorkflowState, task: StoredTask, memo: BlockerMemo = new Map()): string[] {
  const blockers = new Set<string>();
  for (const depId of task.depends_on ?? []) {
    const dep = taskAt(state, depId);
    if (!dep || dep.status === TaskStatus.FAILED || dep.status === TaskStatus.CANCELLED) {
      blockers.add(depId);
    } else if (dep.status === TaskStatus.PENDING && (dep.depends_on?.length ?? 0) > 0) {
      let inherited = memo.get(depId);
      if (inherited === undefined) {
        memo.set(depId, []); // a cycle (only possible by hand-editing) ends here instead of looping
        inherited = blockersOf(state, dep, memo);
        memo.set(depId, inherited);
      }
      for (const id of inherited) blockers.add(id);
    }
  }
  return [...blockers];
}

/** Every dependency is completed. */
export function dependenciesMet(state: WorkflowState, task: StoredTask): boolean {
  return (task.depends_on ?? []).every((id) => taskAt(state, id)?.status === TaskStatus.COMPLETED);
}

/** Its not_before is still ahead of `now`. An unreadable time is treated as passed, so the task is not stuck. */
export function isScheduledLater(task: StoredTask, now: Date): boolean {
  if (task.not_before == null) return false;
  const at = parseTimestamp(task.not_before);
  return !Number.isNaN(at) && at > now.getTime();
}

/** Claimable: pending, not scheduled for later, and every dependency completed. */
export function isReady(state: WorkflowState, task: StoredTask, now: Date): boolean {
  return task.status === TaskStatus.PENDING && !isScheduledLater(task, now) && dependenciesMet(state, task);
}

/** Why a pending task is or is not claimable; blocked outranks waiting outranks scheduled. */
export function pendingStateOf(state: WorkflowState, task: StoredTask, now: Date, memo: BlockerMemo = new Map()): PendingState {
  if (!dependenciesMet(state, task)) return blockersOf(state, task, memo).length > 0 ? "blocked" : "waiting";
  return isScheduledLater(task, now) ? "scheduled" : "ready";
}
