/**
 * Who holds which paths, and whether a claim or a reservation may take them. A hold is an
 * explicit reservation or the paths of a task in progress (its holder's, exclusively, while
 * the claim lasts). Holders are sessions, not names: two windows of one client are two
 * holders, as they are for claims.
 */
import { literalStartOf, pathsOverlap } from "./paths.js";
import { TaskStatus, type StoredReservation, type StoredTask, type WorkflowState } from "./schema.js";
import { taskIdsOf } from "./task-order.js";

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
  const index = holdIndex(holds);
  for (const path of paths) {
    for (const at of index.candidates(literalStartOf(path))) {
      const hold = holds[at] as PathHold;
      if (sameHolder(hold.holder, holder) || !isActive(hold, now)) continue;
      if (!hold.exclusive && intent !== "exclusive") continue;
      if (!pathsOverlap(path, hold.path)) continue;
      conflicts.push({ path, held_path: hold.path, held_by: hold.holder.agentId, expires_at: hold.expiresAt, task_id: hold.taskId });
    }
  }
  return conflicts;
}

/**
 * The holds by their paths' literal starts: a path may overlap only the holds whose literal
 * start begins with its own or is a start of it (core/paths.ts), so a claim among hundreds of
 * tasks of 100 paths each, with as many holds, compares each path with a few holds, not all.
 */
class HoldIndex {
  private readonly byStart = new Map<string, number[]>();
  /** The distinct literal starts, sorted: those that begin with a given start lie together. */
  private readonly starts: string[];
  /** The distinct lengths of the literal starts, ascending. */
  private readonly lengths: number[];

  /** How many holds the list had when indexed. */
  readonly size: number;

  constructor(holds: readonly PathHold[]) {
    this.size = holds.length;
    holds.forEach((hold, at) => {
      const start = literalStartOf(hold.path);
      const list = this.byStart.get(start);
      if (list === undefined) this.byStart.set(start, [at]);
      else list.push(at);
    });
    this.starts = [...this.byStart.keys()].sort();
    this.lengths = [...new Set(this.starts.map((start) => start.length))].sort((a, b) => a - b);
  }

  /** The positions, in order, of the holds a path with this literal start may overlap. */
  candidates(start: string): number[] {
    const found: number[] = [];
    for (const length of this.lengths) {
      if (length > start.length) break;
      const list = this.byStart.get(start.slice(0, length));
      if (list !== undefined) found.push(...list);
    }
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.starts[middle] as string) < start) low = middle + 1;
      else high = middle;
    }
    for (let at = low; at < this.starts.length && (this.starts[at] as string).startsWith(start); at += 1) {
      const longer = this.starts[at] as string;
      if (longer.length > start.length) found.push(...(this.byStart.get(longer) as number[]));
    }
    return found.sort((a, b) => a - b);
  }
}

/** Indexes are kept per list of holds, which callers gather once and compare many tasks with. */
const indexes = new WeakMap<readonly PathHold[], HoldIndex>();

function holdIndex(holds: readonly PathHold[]): HoldIndex {
  let index = indexes.get(holds);
  // A list grown since it was indexed is indexed again.
  if (index === undefined || index.size !== holds.length) {
    index = new HoldIndex(holds);
    indexes.set(holds, index);
  }
  return index;
}

/** The holder of a task in progress: its claimer's name and session. */
export function taskHolder(task: StoredTask): Holder {
  return { agentId: task.locked_by ?? "", sessionDigest: task.holder_session_sha256 ?? null };
}

const FINISHED: ReadonlySet<string> = new Set([TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED]);

export function isFinishedStatus(status: string): boolean {
  return FINISHED.has(status);
}

function isFinished(state: WorkflowState, taskId: string): boolean {
  const task = Object.hasOwn(state.tasks, taskId) ? state.tasks[taskId] : undefined;
  return task !== undefined && isFinishedStatus(task.status);
}

/** Whether a reservation still holds its path at `now`: not expired, and its task (if any) not finished. */
export function reservationActive(state: WorkflowState, reservation: StoredReservation, now: Date): boolean {
  if (!(Date.parse(reservation.expires_at) > now.getTime())) return false;
  return reservation.task_id === undefined || !isFinished(state, reservation.task_id);
}

/**
 * Every hold in `state` at `now`: the paths of its tasks in progress, and its active
 * reservations. A store that keeps a partial state loads into it the tasks in progress
 * that have paths and the tasks its reservations name.
 */
export function holdsOf(state: WorkflowState, now: Date): PathHold[] {
  const holds: PathHold[] = [];
  for (const id of taskIdsOf(state)) {
    const task = state.tasks[id] as StoredTask;
    if (task.status !== TaskStatus.IN_PROGRESS || task.paths === undefined) continue;
    const holder = taskHolder(task);
    for (const path of task.paths) holds.push({ path, holder, exclusive: true, expiresAt: null, taskId: id });
  }
  for (const reservation of state.reservations ?? []) {
    if (!reservationActive(state, reservation, now)) continue;
    holds.push({
      path: reservation.path,
      holder: { agentId: reservation.held_by, sessionDigest: reservation.session_sha256 },
      exclusive: reservation.exclusive,
      expiresAt: reservation.expires_at,
      taskId: reservation.task_id ?? null,
    });
  }
  return holds;
}

/** Nobody: a holder that shares no hold, for counting the tasks any hold keeps back. */
export const NOBODY: Holder = { agentId: "", sessionDigest: null };
