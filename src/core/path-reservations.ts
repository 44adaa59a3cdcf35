/**
 * Explicit reservations, for work that is not a task: pure rules over a workflow state,
 * like workflow-rules.ts. A reservation is granted all or nothing, renewed when its
 * holder reserves the same path again, and kept in the state's `reservations` until it
 * ends; ended ones are dropped whenever the list is written.
 */
import { InvalidInputError, TaskNotFoundError } from "./errors.js";
import { conflictsWith, holdsOf, isFinishedStatus, reservationActive, sameHolder, type Holder, type PathConflict } from "./path-holds.js";
import type { Reservation, StoredReservation, WorkflowState } from "./schema.js";
import { toIsoTimestamp } from "./time.js";
import type { Mutation } from "./workflow-rules.js";

export interface ReservationRequest {
  holder: Holder;
  /** Normalised (core/paths.ts). */
  paths: readonly string[];
  ttlSeconds: number;
  exclusive: boolean;
  reason?: string | undefined;
  taskId?: string | undefined;
  now: Date;
}

export interface ReservationResult {
  granted: boolean;
  /** The reservations this call made or renewed; none when it was refused. */
  reservations: Reservation[];
  /** Why it was refused: each path asked for and the hold it overlaps. */
  conflicts: PathConflict[];
}

export interface ReleaseRequest {
  holder: Holder;
  /** Normalised; all of the holder's reservations when absent. */
  paths?: readonly string[] | undefined;
  now: Date;
}

export function showReservation(stored: StoredReservation): Reservation {
  const { session_sha256: _digest, ...shown } = stored;
  return shown;
}

export function reservePaths(state: WorkflowState, request: ReservationRequest): Mutation<ReservationResult> {
  if (request.taskId !== undefined) {
    const task = Object.hasOwn(state.tasks, request.taskId) ? state.tasks[request.taskId] : undefined;
    if (task === undefined) throw new TaskNotFoundError(request.taskId);
    if (isFinishedStatus(task.status)) {
      throw new InvalidInputError(`Task ${request.taskId} is already ${task.status}: a reservation for it would end at once; reserve without task_id.`);
    }
  }
  const conflicts = conflictsWith(request.paths, request.holder, request.exclusive ? "exclusive" : "shared", holdsOf(state, request.now), request.now);
  if (conflicts.length > 0) return { value: { granted: false, reservations: [], conflicts }, changed: false };
  const stamp = toIsoTimestamp(request.now);
  const expiresAt = toIsoTimestamp(new Date(request.now.getTime() + request.ttlSeconds * 1000));
  const asked = new Set(request.paths);
  // The holder's own reservations of these paths are replaced: reserving again renews.
  const kept = activeReservations(state, request.now).filter((r) => !(asked.has(r.path) && sameHolder(holderOf(r), request.holder)));
  const made = request.paths.map((path): StoredReservation => {
    const reservation: StoredReservation = {
      path,
      held_by: request.holder.agentId,
      session_sha256: request.holder.sessionDigest,
      exclusive: request.exclusive,
      created_at: stamp,
      expires_at: expiresAt,
    };
    if (request.reason !== undefined) reservation.reason = request.reason;
    if (request.taskId !== undefined) reservation.task_id = request.taskId;
    return reservation;
  });
  setReservations(state, [...kept, ...made]);
  return { value: { granted: true, reservations: made.map(showReservation), conflicts: [] }, changed: true };
}

/** Ends the holder's reservations of `paths` (all of them without); returns the paths released. */
export function releasePaths(state: WorkflowState, request: ReleaseRequest): Mutation<{ released: string[] }> {
  const named = request.paths === undefined ? null : new Set(request.paths);
  const before = state.reservations ?? [];
  const active = activeReservations(state, request.now);
  const released: string[] = [];
  const kept = active.filter((r) => {
    const mine = sameHolder(holderOf(r), request.holder) && (named === null || named.has(r.path));
    if (mine) released.push(r.path);
    return !mine;
  });
  const changed = kept.length !== before.length;
  if (changed) setReservations(state, kept);
  return { value: { released }, changed };
}

/** The reservations in force at `now`, oldest first. */
export function listReservations(state: WorkflowState, now: Date): Reservation[] {
  return activeReservations(state, now).map(showReservation);
}

function activeReservations(state: WorkflowState, now: Date): StoredReservation[] {
  return (state.reservations ?? []).filter((r) => reservationActive(state, r, now));
}

function holderOf(reservation: StoredReservation): Holder {
  return { agentId: reservation.held_by, sessionDigest: reservation.session_sha256 };
}

/** The state's reservations; the field is left out when there are none, so the file stays in the seed's format. */
function setReservations(state: WorkflowState, reservations: StoredReservation[]): void {
  if (reservations.length > 0) state.reservations = reservations;
  else delete state.reservations;
}
