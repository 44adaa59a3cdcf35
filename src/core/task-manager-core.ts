/**
 * The library's behaviour, independent of where a workflow is kept: validate what
 * the caller passed, and let the store apply it atomically, at the time it reads from
 * the clock as it applies it. Every refusal is a TaskManagerError with a stable code.
 */
import { InvalidInputError, TaskNotFoundError } from "./errors.js";
import {
  assertPayloadSize,
  cancelTaskInputSchema,
  completeAndClaimNextInputSchema,
  completeTaskInputSchema,
  createTaskInputSchema,
  getNextTaskInputSchema,
  heartbeatTaskInputSchema,
  listTasksInputSchema,
  metadataPatchSchema,
  parseInput,
  releasePathsInputSchema,
  releaseTaskInputSchema,
  reservePathsInputSchema,
  taskIdSchema,
  type ReleasePathsInput,
  type ReservePathsInput,
  type CancelTaskInput,
  type CompleteAndClaimNextInput,
  type CompleteTaskInput,
  type CreateTaskInput,
  type GetNextTaskInput,
  type HeartbeatTaskInput,
  type ListTasksInput,
  type ReleaseTaskInput,
} from "./inputs.js";
import { claimSecretDigest, newClaimSecret } from "./claim-token.js";
import type { Holder } from "./path-holds.js";
import type { ReservationResult } from "./path-reservations.js";
import { normalisePaths } from "./paths.js";
import type { ClaimedTask, CreatedTask, FinishedAndNext, FinishedTask, JsonObject, Reservation, StatusSummary, Task, TaskPage, WorkflowMetadata } from "./schema.js";
import { reportingOverflow } from "./overflow-reporting-store.js";
import type { ClaimRequest, NewTask, TaskStore } from "./task-store.js";
import { toIsoTimestamp } from "./time.js";
import { waitForClaim } from "./wait-for-claim.js";
import { claimAfterFinishing } from "./next-claim.js";
import type { WorkflowExport, WorkflowImport } from "./workflow-transfer.js";

/** How a claim is asked for, besides by whom: getNextTask's options. */
type NextClaim = Omit<ReturnType<typeof getNextTaskInputSchema.parse>, "agentId">;

export const DEFAULT_TASK_TIMEOUT_HOURS = 24;
/** Ten years: a lease counted from any time now still ends at a time a Date can hold. */
export const MAX_TASK_TIMEOUT_HOURS = 87_600;
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface TaskManagerCoreOptions {
  store: TaskStore;
  /** Claims older than this are released to pending before the next claim (fractions allowed). */
  taskTimeoutHours?: number | undefined;
  /** Largest JSON size of a task's data, a result or a metadata update. */
  maxPayloadBytes?: number | undefined;
  /** The time source, read by the store when it applies a change; tests pass a fixed clock. */
  clock?: (() => Date) | undefined;
}

export class TaskManagerCore {
  readonly store: TaskStore;
  readonly taskTimeoutHours: number;
  readonly maxPayloadBytes: number;
  private readonly clock: () => Date;
  /** The session of calls that give none: each TaskManager is a holder of its own. */
  private readonly session = newClaimSecret().secret;

  constructor(options: TaskManagerCoreOptions) {
    this.store = reportingOverflow(options.store);
    this.taskTimeoutHours = positiveNumber(options.taskTimeoutHours ?? DEFAULT_TASK_TIMEOUT_HOURS, "taskTimeoutHours", MAX_TASK_TIMEOUT_HOURS);
    this.maxPayloadBytes = positiveNumber(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, "maxPayloadBytes");
    this.clock = options.clock ?? (() => new Date());
  }

  /** The task timeout: the default lease, and the lease of claims made without one. */
  private get staleAfterMs(): number {
    return this.taskTimeoutHours * 3_600_000;
  }

  /**
   * Creates a pending task and returns its id, `<type>_<8 hex>`. With an idempotencyKey
   * already used in the workflow, returns that task's id and creates nothing.
   */
  async createTask(input: CreateTaskInput): Promise<string> {
    const [task] = await this.createTasks([input]);
    return (task as Task).id;
  }

  /**
   * Creates several tasks at once, all or none; a parent or dependency may be a task
   * created earlier in the same call, named `#<index>` (from 0), e.g. `dependsOn: ["#0"]`.
   * A task whose idempotencyKey is already taken is returned as it is, marked `already_existed`.
   */
  async createTasks(inputs: readonly CreateTaskInput[]): Promise<CreatedTask[]> {
    if (!Array.isArray(inputs) || inputs.length === 0) return [];
    const tasks: NewTask[] = inputs.map((input, index) => {
      const what = inputs.length === 1 ? "task" : `task ${index + 1}`;
      const parsed = parseInput(createTaskInputSchema, input, what);
      assertPayloadSize(parsed.data, `${what} data`, this.maxPayloadBytes);
      return {
        type: parsed.type,
        data: parsed.data ?? {},
        parentId: parsed.parentId ?? null,
        priority: parsed.priority,
        dependsOn: parsed.dependsOn,
        notBefore: parsed.notBefore === undefined ? undefined : toIsoTimestamp(parsed.notBefore),
        // Counted from when the store creates the task, not from this call.
        delaySeconds: parsed.delaySeconds,
        idempotencyKey: parsed.idempotencyKey,
        maxAttempts: parsed.maxAttempts,
        retryDelaySeconds: parsed.retryDelaySeconds,
        paths: parsed.paths === undefined ? undefined : normalisePaths(parsed.paths, `${what} paths`),
      };
    });
    return this.store.createTasks(tasks, this.clock);
  }

  /**
   * Releases expired claims, then claims the ready task of the given types with the
   * highest priority (the oldest among equals); null when none is ready. The claim's
   * lease is `leaseSeconds`, else the workflow's default, else the task timeout.
   *
   * With `waitMs`, a call that finds none waits until one becomes claimable (created,
   * released, expired, its dependencies done, its not_before reached, by any process)
   * or the time is up (null); `signal` ends the wait early with its reason.
   *
   * The task comes with its `claim_token`, shown by no other call: pass it as `claimToken`
   * to completeTask, releaseTask and heartbeatTask, which refuse the claim to anyone without it.
   */
  async getNextTask(input: GetNextTaskInput): Promise<ClaimedTask | null> {
    const { agentId, ...next } = parseInput(getNextTaskInputSchema, input, "getNextTask request");
    return this.claimNext(agentId, next);
  }

  /** getNextTask's claim, for `agentId`, waiting as `next` says. */
  private async claimNext(agentId: string, next: NextClaim): Promise<ClaimedTask | null> {
    const { waitMs, signal } = next;
    const request = this.claimRequest(agentId, next);
    const claim = () => this.store.claimNextTask(request);
    if (waitMs === undefined || waitMs === 0) {
      signal?.throwIfAborted();
      return claim();
    }
    const holder = { agentId, sessionDigest: request.sessionDigest ?? null };
    const query = () => ({ taskTypes: next.taskTypes, now: this.clock(), staleAfterMs: this.staleAfterMs, holder });
    return waitForClaim({ store: this.store, claim, query, waitMs, signal });
  }

  /** The store's request for a claim by `agentId` with getNextTask's options; the clock is read when the store applies it. */
  private claimRequest(agentId: string, next: NextClaim): ClaimRequest {
    return {
      agentId,
      taskTypes: next.taskTypes,
      leaseSeconds: next.leaseSeconds,
      clock: this.clock,
      staleAfterMs: this.staleAfterMs,
      sessionDigest: this.holder(agentId, next.session).sessionDigest ?? undefined,
    };
  }

  /**
   * Finishes a claimed task as completed (default), failed or cancelled; only its holder
   * may, with the claim's `claimToken`. `retry` (with failed) sends it back to pending
   * while attempts remain; `cascade` (with cancelled) cancels its pending descendants too.
   */
  async completeTask(input: CompleteTaskInput): Promise<FinishedTask> {
    const parsed = parseInput(completeTaskInputSchema, input, "completeTask request");
    assertPayloadSize(parsed.resultData, "resultData", this.maxPayloadBytes);
    return this.store.completeTask({ ...parsed, clock: this.clock });
  }

  /**
   * completeTask, then getNextTask for the same agent (with the options in `next`), as one
   * change where the store allows (every store of this package does): a worker's loop in one
   * call and one commit per task. The task is finished even when no next one is ready (`next`
   * null); with `next.waitMs` the call then waits as getNextTask does, and answers `next` null when
   * `next.signal` ends the wait. A refused completion claims nothing. Where the claim is made after
   * the completion committed, its failure is a NextClaimFailedError: its code, and the finished `task`.
   */
  async completeAndClaimNext(input: CompleteAndClaimNextInput): Promise<FinishedAndNext> {
    const { next = {}, ...complete } = parseInput(completeAndClaimNextInputSchema, input, "completeAndClaimNext request");
    assertPayloadSize(complete.resultData, "resultData", this.maxPayloadBytes);
    next.signal?.throwIfAborted();
    const completion = { ...complete, clock: this.clock };
    const claim = this.claimRequest(complete.agentId, next);
    const both = this.store.completeAndClaimNext
      ? await this.store.completeAndClaimNext(completion, claim)
      : await claimAfterFinishing(await this.store.completeTask(completion), () => this.store.claimNextTask(claim));
    if (both.next !== null || next.waitMs === undefined || next.waitMs === 0) return both;
    try {
      return await claimAfterFinishing(both.task, () => this.claimNext(complete.agentId, next));
    } catch (error) {
      // Asked to stop waiting: the task is finished all the same, and no next one was claimed.
      if (next.signal?.aborted === true) return { task: both.task, next: null };
      throw error;
    }
  }

  /** Renews the holder's lease (with the claim's `claimToken`): to now plus leaseSeconds, or plus the claim's lease length. */
  async heartbeatTask(input: HeartbeatTaskInput): Promise<Task> {
    const parsed = parseInput(heartbeatTaskInputSchema, input, "heartbeatTask request");
    return this.store.heartbeatTask({ ...parsed, clock: this.clock, staleAfterMs: this.staleAfterMs });
  }

  /**
   * Cancels a task that nobody holds (pending, or whose holder's lease ran out), and with
   * `cascade` its pending descendants. A held task is finished by its holder instead, unless
   * `force`: a person's override, which ends the claim too and is recorded in the history.
   */
  async cancelTask(input: CancelTaskInput): Promise<FinishedTask> {
    const parsed = parseInput(cancelTaskInputSchema, input, "cancelTask request");
    return this.store.cancelTask({ ...parsed, clock: this.clock, staleAfterMs: this.staleAfterMs });
  }

  /**
   * Gives a claimed task back to the queue as pending; only its holder may (with the claim's
   * `claimToken`), unless `force`:
   * a person unsticking a task, recorded in its history as `agentId` taking it from the holder.
   */
  async releaseTask(input: ReleaseTaskInput): Promise<Task> {
    const parsed = parseInput(releaseTaskInputSchema, input, "releaseTask request");
    return this.store.releaseTask({ ...parsed, clock: this.clock });
  }

  /**
   * Reserves repository paths or globs for the caller's session, for work outside a task:
   * all or nothing. Refused (granted false, nothing reserved) when any overlaps a task in
   * progress or a reservation of another holder (an exclusive one, for a shared request);
   * each conflict names the path, its holder and when it ends. Reserving a path again renews it.
   */
  async reservePaths(input: ReservePathsInput): Promise<ReservationResult> {
    const { session, agentId, paths, ...parsed } = parseInput(reservePathsInputSchema, input, "reservePaths request");
    return this.store.reservePaths({ ...parsed, paths: normalisePaths(paths, "paths"), holder: this.holder(agentId, session), clock: this.clock });
  }

  /** Ends the caller's session's reservations of `paths`, or all of them; returns the paths released. */
  async releasePaths(input: ReleasePathsInput): Promise<{ released: string[] }> {
    const { session, agentId, paths } = parseInput(releasePathsInputSchema, input, "releasePaths request");
    return this.store.releasePaths({
      paths: paths === undefined ? undefined : normalisePaths(paths, "paths"),
      holder: this.holder(agentId, session),
      clock: this.clock,
    });
  }

  /** The reservations in force now, oldest first (the paths of tasks in progress are on the tasks). */
  async listReservations(): Promise<Reservation[]> {
    return this.store.listReservations(this.clock());
  }

  /** The holder a call acts as: the agent, in the given session or this TaskManager's own. */
  private holder(agentId: string, session: string | undefined): Holder {
    return { agentId, sessionDigest: claimSecretDigest(session ?? this.session) };
  }

  /** The task, or null when there is none with that id. */
  async getTask(taskId: string): Promise<Task | null> {
    return this.store.getTask(parseInput(taskIdSchema, taskId, "task id"));
  }

  /** Like getTask, but an unknown id is a TASK_NOT_FOUND error. */
  async requireTask(taskId: string): Promise<Task> {
    const task = await this.getTask(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  async getTaskChildren(taskId: string): Promise<Task[]> {
    return this.store.getTaskChildren(parseInput(taskIdSchema, taskId, "task id"));
  }

  /** One page of tasks in creation order, filtered; pass `next_cursor` back for the next page. */
  async listTasks(input: ListTasksInput = {}): Promise<TaskPage> {
    return this.store.listTasks(parseInput(listTasksInputSchema, input, "listTasks request"));
  }

  /** Counts by status and type; pending tasks also by readiness (ready, scheduled, waiting, blocked). */
  async getStatusSummary(): Promise<StatusSummary> {
    return this.store.getStatusSummary(this.clock());
  }

  async getWorkflowMetadata(): Promise<WorkflowMetadata> {
    return this.store.getMetadata();
  }

  /**
   * Merges the given fields into the workflow's metadata and returns all of it.
   * `task_defaults: { lease_seconds, max_attempts, retry_delay_seconds }` sets what
   * new tasks and claims take when they do not say.
   */
  async updateWorkflowMetadata(patch: JsonObject): Promise<WorkflowMetadata> {
    const parsed = parseInput(metadataPatchSchema, patch, "metadata");
    assertPayloadSize(parsed, "metadata", this.maxPayloadBytes);
    return this.store.updateMetadata(parsed, this.clock);
  }

  /**
   * The workflow as its store keeps it, a task at a time in creation order (what
   * `task-manager-mcp export` writes); null when nothing was written to it yet.
   */
  async exportWorkflow(): Promise<WorkflowExport | null> {
    if (!this.store.exportWorkflow) throw new InvalidInputError(`The store of ${this.store.location} cannot export a workflow.`);
    return this.store.exportWorkflow();
  }

  /**
   * Fills this workflow, which must be new or empty, with an exported one as it is
   * (ids, statuses, claims, history), all or nothing; returns how many tasks. The
   * tasks must already be valid (readSeedFile checks them).
   */
  async importWorkflow(source: WorkflowImport): Promise<number> {
    if (!this.store.importWorkflow) throw new InvalidInputError(`The store of ${this.store.location} cannot import a workflow.`);
    return this.store.importWorkflow(source, this.clock);
  }

  /** Lets go of what the store holds open (a database connection; a JSON file holds nothing between calls). */
  async close(): Promise<void> {
    await this.store.close?.();
  }
}

function positiveNumber(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new InvalidInputError(`Invalid option ${name}: must be a number above 0 and at most ${max}, got ${String(value)}.`);
  }
  return value;
}
