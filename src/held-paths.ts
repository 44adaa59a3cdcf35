/**
 * Who holds which paths of a workflow, for people (the CLI's `reservations` and `show`, the
 * dashboard): its explicit reservations and the paths of its tasks in progress, and which
 * pending tasks they hold back. Reads only, through the library, so it works on every store.
 */
import { leaseDeadline } from "./core/lease-deadline.js";
import { conflictsWith, NOBODY, type PathConflict, type PathHold } from "./core/path-holds.js";
import type { Task } from "./core/schema.js";
import type { TaskManager } from "./task-manager.js";


export interface HeldPath {
  path: string;
  held_by: string;
  /** "task": a path of a task in progress, held by its claimer until it finishes; "reservation": reserved with reservePaths. */
  source: "task" | "reservation";
  /** Exclusive holds keep every other holder off the path; shared reservations only exclusive ones. */
  exclusive: boolean;
  task_id: string | null;
  /** When a reservation ends by itself; null for a task's paths, which end with the task. */
  expires_at: string | null;
  /** A task's paths: when its lease runs out and the claim goes back to pending; null for a reservation, or when unreadable. */
  lease_expires_at: string | null;
  /** Since when: the reservation's creation, or the task's claim. */
  since: string | null;
  reason?: string;
}

/**
 * The holds of a workflow now: the paths of `inProgress` (its tasks in progress) first, in
 * their order, then the reservations in force, oldest first.
 */
export async function heldPaths(tm: TaskManager, inProgress: readonly Task[], staleAfterMs: number): Promise<HeldPath[]> {
  const holds: HeldPath[] = [];
  for (const task of inProgress) {
    if (task.status !== "in_progress" || task.paths === undefined) continue;
    const deadline = leaseDeadline(task, staleAfterMs);
    const lease = deadline === null || Number.isNaN(deadline) ? null : new Date(deadline).toISOString();
    for (const path of task.paths) {
      holds.push({ path, held_by: task.locked_by ?? "", source: "task", exclusive: true, task_id: task.id, expires_at: null, lease_expires_at: lease, since: task.locked_at });
    }
  }
  for (const reservation of await tm.listReservations()) {
    holds.push({
      path: reservation.path,
      held_by: reservation.held_by,
      source: "reservation",
      exclusive: reservation.exclusive,
      task_id: reservation.task_id ?? null,
      expires_at: reservation.expires_at,
      lease_expires_at: null,
      since: reservation.created_at,
      ...(reservation.reason !== undefined && { reason: reservation.reason }),
    });
  }
  return holds;
}

/**
 * The holds that keep a pending task from every agent but their holders, as the summary's
 * `conflicting` counts them: each of its paths that overlaps a task in progress or an
 * exclusive reservation. None for a task that is not pending or has no paths.
 */
export function conflictsOf(task: Task, holds: readonly HeldPath[], now: Date): PathConflict[] {
  if (task.status !== "pending" || task.paths === undefined || task.paths.length === 0 || holds.length === 0) return [];
  const asHolds: PathHold[] = holds.map((hold) => ({
    path: hold.path,
    // No session: a person's view, for which every holder is another holder.
    holder: { agentId: hold.held_by, sessionDigest: null },
    exclusive: hold.exclusive,
    expiresAt: hold.expires_at,
    taskId: hold.task_id,
  }));
  return conflictsWith(task.paths, NOBODY, "claim", asHolds, now);
}
