/**
 * core/workflow-rules.ts's summarize, from what SQL counts: tasks per type and status,
 * the scheduled ones, and the waiting tasks, whose dependencies the caller has loaded
 * into `state` so that blockersOf can tell waiting from blocked.
 */
import { blockersOf, type BlockerMemo } from "../../core/readiness.js";
import { TASK_STATUSES, type PendingCounts, type StatusSummary, type StoredTask, type TaskStatus, type WorkflowState } from "../../core/schema.js";

export interface SummaryCounts {
  /** Tasks per type and status; a type's first row sets its place in type_counts. */
  counts: Iterable<{ type: string; status: string; n: number }>;
  /** Pending, dependencies met, not_before still ahead. */
  scheduled: number;
  /** Ready but for paths that a hold keeps back (core/workflow-rules.ts's isConflicting). */
  conflicting?: number | undefined;
  /** Pending with a dependency not completed, each held in `state` with its dependencies. */
  waiting: readonly StoredTask[];
  state: WorkflowState;
}

export function statusSummary({ counts, scheduled, conflicting = 0, waiting, state }: SummaryCounts): StatusSummary {
  const statusCounts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as StatusSummary["status_counts"];
  // A Map, not an object: a task type may be "constructor" or "__proto__".
  const typeCounts = new Map<string, number>();
  let total = 0;
  for (const { type, status, n } of counts) {
    total += n;
    if (Object.hasOwn(statusCounts, status)) statusCounts[status as TaskStatus] += n;
    typeCounts.set(type, (typeCounts.get(type) ?? 0) + n);
  }
  const pending: PendingCounts = { ready: 0, conflicting, scheduled, waiting: 0, blocked: 0 };
  const memo: BlockerMemo = new Map();
  for (const task of waiting) {
    if (blockersOf(state, task, memo).length > 0) pending.blocked += 1;
    else pending.waiting += 1;
  }
  pending.ready = statusCounts.pending - pending.conflicting - pending.scheduled - pending.waiting - pending.blocked;
  return { total_tasks: total, status_counts: statusCounts, type_counts: Object.fromEntries(typeCounts), pending_counts: pending };
}
