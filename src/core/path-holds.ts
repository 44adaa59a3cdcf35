/**
 * Who holds which paths, and whether a claim or a reservation may take them. A hold is an
 * explicit reservation or the paths of a task in progress (its holder's, exclusively, while
 * the claim lasts). Holders are sessions, not names: two windows of one client are two
 * holders, as they are for claims.
 */
import { firstOverlap } from "./paths.js";

/** A session of an agent: its name and the digest of its session's secret (null: a holder no session can match). */
export interface Holder {
  agentId: string;
  sessionDigest: string | null;
}

export interface PathHold {
  path: string;
  holder: Holder;
  /** Exclusive holds conflict with every other holder's; shared ones only with exclusive ones. */
  exclusive: boolean;
  /** ISO time the hold ends by itself; null: when its task finishes. */
  expiresAt: string | null;
  /** The task the hold belongs to, if any. */
  taskId: string | null;
}

/** A path asked for that another holder holds. */
export interface PathConflict {
  path: string;
  held_path: string;
  held_by: string;
  expires_at: string | null;
  task_id: string | null;
}

export function sameHolder(a: Holder, b: Holder): boolean {
  return a.agentId === b.agentId && a.sessionDigest !== null && a.sessionDigest === b.sessionDigest;
}

export function isActive(hold: PathHold, now: Date): boolean {
  return hold.expiresAt === null || Date.parse(hold.expiresAt) > now.getTime();
}

/**
 * The holds of other holders that `paths`, taken by `holder`, would overlap. A claim takes
 * its task's paths exclusively and yields only to exclusive holds; a reservation yields to
 * exclusive holds, and an exclusive reservation to shared ones too.
 */
export function conflictsWith(
  paths: readonly string[],
  holder: Holder,
  intent: "claim" | "exclusive" | "shared",
  holds: readonly PathHold[],
  now: Date,
): PathConflict[] {
  const conflicts: PathConflict[] = [];
  for (const path of paths) {
    for (const hold of holds) {
      if (sameHolder(hold.holder, holder) || !isActive(hold, now)) continue;
      if (!hold.exclusive && intent !== "exclusive") continue;
      if (firstOverlap([path], [hold.path]) === null) continue;
      conflicts.push({ path, held_path: hold.path, held_by: hold.holder.agentId, expires_at: hold.expiresAt, task_id: hold.taskId });
    }
  }
  return conflicts;
}
