/**
 * The changes to one task that the SQL stores make on a partial state: for each, the rule
 * to run and the neighbours it looks at besides the task (its dependencies, to present it
 * as blocked once pending; its descendants, for a cascade). Both stores gather those rows,
 * run the rule and write back what it changed.
 */
import type { FinishedTask, Task, WorkflowState } from "../../core/schema.js";
import { expiredClaims, type ExpiredLease } from "../../core/store-notices.js";
import { timed, type CancelRequest, type Clock, type CompleteRequest, type HeartbeatRequest, type ReleaseRequest, type Timed } from "../../core/task-store.js";
import * as rules from "../../core/workflow-rules.js";

export interface TaskChange<T> {
  taskId: string;
  clock: Clock;
  neighbours: { dependencies: boolean; descendants: boolean };
  rule: (state: WorkflowState, now: Date) => rules.Mutation<T>;
}

export function completion(request: CompleteRequest): TaskChange<FinishedTask> {
  return taskChange(request, { dependencies: true, descendants: request.cascade === true }, rules.completeTask);
}

export function release(request: ReleaseRequest): TaskChange<Task> {
  return taskChange(request, { dependencies: true, descendants: false }, rules.releaseTask);
}

export function heartbeat(request: HeartbeatRequest): TaskChange<Task> {
  return taskChange(request, { dependencies: false, descendants: false }, rules.heartbeatTask);
}

/**
 * The cancel, and the lease it ended when its holder's lease had run out: the notice
 * reports that as a claim's release does. `lapsed` tells of the rule's last run.
 */
export function cancellation(request: CancelRequest): TaskChange<FinishedTask> & { lapsed: () => ExpiredLease[] } {
  let lapsed: ExpiredLease[] = [];
  const change = taskChange(request, { dependencies: false, descendants: request.cascade === true }, (state, timedRequest: Timed<CancelRequest>) => {
    const task = Object.hasOwn(state.tasks, request.taskId) ? state.tasks[request.taskId] : undefined;
    const expired = task !== undefined && rules.isLeaseExpired(task, timedRequest.now, request.staleAfterMs);
    const lease = { taskId: request.taskId, holder: task?.locked_by ?? null, attempt: task?.attempts ?? 0 };
    const mutation = rules.cancelTask(state, timedRequest);
    lapsed = expired ? [{ ...lease, status: task?.status }] : [];
    return mutation;
  });
  return { ...change, lapsed: () => lapsed };
}

function taskChange<R extends { taskId: string; clock: Clock }, T>(
  request: R,
  neighbours: TaskChange<T>["neighbours"],
  rule: (state: WorkflowState, request: Timed<R>) => rules.Mutation<T>,
): TaskChange<T> {
  return { taskId: request.taskId, clock: request.clock, neighbours, rule: (state, now) => rule(state, timed(request, now)) };
}

/** Runs releaseStaleClaims on `state`; returns the claims it released, each with its status after (none when it changed nothing). */
export function releaseExpiredLeases(state: WorkflowState, now: Date, staleAfterMs: number): ExpiredLease[] {
  const expired = expiredClaims(state, now, staleAfterMs);
  if (rules.releaseStaleClaims(state, now, staleAfterMs).length === 0) return [];
  return expired.map((lease) => ({ ...lease, status: state.tasks[lease.taskId]?.status }));
}
