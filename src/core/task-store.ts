/**
 * The one interface between the domain and persistence. The TaskManager validates
 * input and gives the clock; a store applies each operation atomically with the
 * semantics of core/workflow-rules.ts, reading the clock once, at the moment it applies
 * the change (under its lock, in its transaction), so a lease or a timestamp never
 * counts the time the change waited. The JSON file store runs those rules over a
 * locked state file; a database store may express the same rules in SQL.
 */
import type {
  ClaimedTask,
  CreatedTask,
  FinalStatus,
  FinishedAndNext,
  FinishedTask,
  JsonObject,
  Reservation,
  StatusSummary,
  Task,
  TaskPage,
  TaskStatus,
  WorkflowMetadata,
} from "./schema.js";
import type { ClaimabilityQuery } from "./claim-timing.js";
import type { ReleaseRequest as PathReleaseRequest, ReservationRequest, ReservationResult } from "./path-reservations.js";
import type { WorkflowExport, WorkflowImport } from "./workflow-transfer.js";

export interface NewTask {
  type: string;
  data: JsonObject;
  parentId: string | null;
  /** Higher is claimed first; default 0. */
  priority?: number | undefined;
  /** Tasks (existing, or earlier in the same batch) that must be completed first. */
  dependsOn?: readonly string[] | undefined;
  /** ISO time before which the task is not claimable. */
  notBefore?: string | undefined;
  /** Instead of notBefore: not claimable for this many seconds from when the task is created. */
  delaySeconds?: number | undefined;
  /** A task with this key already in the workflow is returned instead of creating another. */
  idempotencyKey?: string | undefined;
  /** Unset: the workflow's default, or no limit. */
  maxAttempts?: number | undefined;
  /** Unset: the workflow's default, or 0. */
  retryDelaySeconds?: number | undefined;
  /** Normalised repository paths or globs (core/paths.ts) the task touches; held by its claimer. */
  paths?: readonly string[] | undefined;
}

/** The time source of a change: a store reads it once, when it applies the change. */
export type Clock = () => Date;

/** A request as a rule applies it: with the time its store read from the clock when applying it. */
export type Timed<R extends { clock: Clock }> = Omit<R, "clock"> & { now: Date };

/** The request as applied at `now`. */
export function timed<R extends { clock: Clock }>(request: R, now: Date): Timed<R> {
  const { clock: _clock, ...rest } = request;
  return { ...rest, now };
}

export interface ClaimRequest {
  agentId: string;
  /** Only tasks of these types; all types when absent or empty. */
  taskTypes?: readonly string[] | undefined;
  clock: Clock;
  /**
   * The task timeout: a claim's lease when neither the request nor the workflow's defaults
   * give one, and how long a claim without a lease (made by the seed) lasts after locked_at.
   */
  staleAfterMs: number;
  /** The lease of this claim, in seconds. */
  leaseSeconds?: number | undefined;
  /** The SHA-256 of the claiming session's secret: who holds the task's paths (core/path-holds.ts). */
  sessionDigest?: string | undefined;
}

/** reservePaths as a store is asked for it; the rule is core/path-reservations.ts's. */
export type ReservePathsRequest = Omit<ReservationRequest, "now"> & { clock: Clock };
/** releasePaths as a store is asked for it. */
export type ReleasePathsRequest = Omit<PathReleaseRequest, "now"> & { clock: Clock };

export interface CompleteRequest {
  taskId: string;
  agentId: string;
  status: FinalStatus;
  resultData?: JsonObject | undefined;
  /** The claim's token (the claim's result has it); required for a claim made with one. */
  claimToken?: string | undefined;
  /** With status failed: back to pending (after the backoff) while attempts remain. */
  retry?: boolean | undefined;
  /** With status cancelled: also cancel the task's pending descendants. */
  cascade?: boolean | undefined;
  clock: Clock;
}

export interface HeartbeatRequest {
  taskId: string;
  agentId: string;
  /** The claim's token (the claim's result has it); required for a claim made with one. */
  claimToken?: string | undefined;
  /** Renew to now plus this; default the claim's own lease length. */
  leaseSeconds?: number | undefined;
  clock: Clock;
  /** The task timeout, the lease length of a claim made without one (by the seed). */
  staleAfterMs: number;
}

export interface CancelRequest {
  taskId: string;
  /** Who cancels, for the history. */
  agentId: string;
  cascade?: boolean | undefined;
  reason?: string | undefined;
  clock: Clock;
  /** A person overriding a live claim: the task is cancelled even while an agent holds it. */
  force?: boolean | undefined;
  /** The task timeout: how long a claim made without a lease (by the seed) lasts, to tell whether its holder ran out. */
  staleAfterMs: number;
}

export interface ReleaseRequest {
  taskId: string;
  agentId: string;
  /** The claim's token; not needed with `force`. */
  claimToken?: string | undefined;
  clock: Clock;
  /** A person overriding the claim: released whoever holds it; `agentId` is who overrode, for the history. */
  force?: boolean | undefined;
}

export interface TaskQuery {
  status?: TaskStatus | undefined;
  type?: string | undefined;
  parentId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface TaskStore {
  /** Where the workflow lives, for messages: a file path, or a database without its password. */
  readonly location: string;
  /** Creates all tasks or none. */
  createTasks(tasks: readonly NewTask[], clock: Clock): Promise<CreatedTask[]>;
  /** The claimed task with its claim_token (which no other result shows), or null when none is ready. */
  claimNextTask(request: ClaimRequest): Promise<ClaimedTask | null>;
  completeTask(request: CompleteRequest): Promise<FinishedTask>;
  /**
   * The completion, then a claim for the same agent, in one atomic change: both or neither, the
   * claim timed after the completion and seeing it (a dependent it freed may be the next).
   * Optional: without it the TaskManager makes the two calls one after the other.
   */
  completeAndClaimNext?(complete: CompleteRequest, claim: ClaimRequest): Promise<FinishedAndNext>;
  releaseTask(request: ReleaseRequest): Promise<Task>;
  heartbeatTask(request: HeartbeatRequest): Promise<Task>;
  /** Cancels a task nobody holds (pending, or whose lease ran out). */
  cancelTask(request: CancelRequest): Promise<FinishedTask>;
  getTask(taskId: string): Promise<Task | null>;
  getTaskChildren(taskId: string): Promise<Task[]>;
  listTasks(query: TaskQuery): Promise<TaskPage>;
  /** `now` decides which pending tasks count as scheduled rather than ready. */
  getStatusSummary(now: Date): Promise<StatusSummary>;
  getMetadata(): Promise<WorkflowMetadata>;
  updateMetadata(patch: JsonObject, clock: Clock): Promise<WorkflowMetadata>;
  /** Reserves paths for a holder, all or nothing, checked against every hold under the store's lock. */
  reservePaths(request: ReservePathsRequest): Promise<ReservationResult>;
  releasePaths(request: ReleasePathsRequest): Promise<{ released: string[] }>;
  /** The reservations in force at `now`, oldest first. */
  listReservations(now: Date): Promise<Reservation[]>;

  /*
   * Optional: what lets getNextTask wait for work without polling. A store without
   * them is re-checked every second while a caller waits.
   */
  /**
   * Calls `listener` soon after any process commits a change to this workflow (it may
   * also call it when nothing changed); returns the function that stops it.
   */
  watchChanges?(listener: () => void): () => void;
  /** When a claim of these types could next succeed without any other change; see nextClaimTime. */
  nextClaimTime?(query: ClaimabilityQuery): Promise<Date | null>;

  /*
   * Optional: moving a workflow between stores (export / import). Every store of this
   * package has them; the CLI refuses to move a workflow of a store without them.
   */
  /** The workflow as stored, a task at a time in creation order; null when it does not exist. */
  exportWorkflow?(): Promise<WorkflowExport | null>;
  /**
   * Writes a whole workflow as it is (ids, statuses, history) into this one, all or
   * nothing; refused with INVALID_INPUT when this workflow already holds tasks.
   * Returns how many tasks were written.
   */
  importWorkflow?(source: WorkflowImport, clock: Clock): Promise<number>;
  /** Lets go of what the store holds open (a database connection); the store is not used afterwards. */
  close?(): Promise<void>;
}
