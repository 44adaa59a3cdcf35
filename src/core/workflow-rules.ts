/**
 * The queue's semantics as pure functions over an in-memory workflow state.
 * Mutating rules check everything before they change anything, so a refusal
 * leaves the state exactly as it was. They return whether they changed it, so a
 * store writes only when something happened.
 */
import { randomBytes } from "node:crypto";
import {
  ClaimSupersededError,
  InvalidInputError,
  NotClaimHolderError,
  TaskNotFoundError,
  TaskNotInProgressError,
  TaskNotPendingError,
} from "./errors.js";
import { claimSecretDigest, formatClaimToken, newClaimSecret, parseClaimToken } from "./claim-token.js";
import { defineOwn } from "./define-own.js";
import { blockersOf, isReady, pendingStateOf, type BlockerMemo } from "./readiness.js";
import { failAttempt } from "./retry-policy.js";
import { conflictsWith, holdsOf, NOBODY, type PathHold } from "./path-holds.js";
import {
  HistoryEvent,
  TASK_STATUSES,
  TaskStatus,
  type ClaimedTask,
  type CreatedTask,
  type FinishedTask,
  type JsonObject,
  type PendingCounts,
  type StatusSummary,
  type StoredTask,
  type Task,
  type TaskPage,
  type WorkflowMetadata,
  type WorkflowState,
} from "./schema.js";
import { recordHistory } from "./task-history.js";
import { addTask, taskIdsOf } from "./task-order.js";
import { writableTask } from "./writable-task.js";
import type {
  CancelRequest,
  ClaimRequest,
  CompleteRequest,
  HeartbeatRequest,
  NewTask,
  ReleaseRequest,
  TaskQuery,
  Timed,
} from "./task-store.js";
import { parseTimestamp, toIsoTimestamp } from "./time.js";
import { readTaskDefaults } from "./workflow-defaults.js";

export interface Mutation<T> {
  value: T;
  changed: boolean;
}

export function newWorkflowState(now: Date): WorkflowState {
  const stamp = toIsoTimestamp(now);
  return { workflow_type: "generic", metadata: { initialized_at: stamp, last_updated: stamp }, tasks: {} };
}

/** A stored task as every result shows it: with its id, and without its claim's token digest. */
export function toTask(id: string, stored: StoredTask): Task {
  const { claim_token_sha256: _digest, holder_session_sha256: _session, ...shown } = stored;
  return { id, ...shown, attempts: stored.attempts ?? 0 };
}

/** toTask, plus `blocked_by` on a pending task that waits on a failed or cancelled one. */
export function presentTask(state: WorkflowState, id: string, stored: StoredTask, memo?: BlockerMemo): Task {
  const task = toTask(id, stored);
  if (stored.status === TaskStatus.PENDING && (stored.depends_on?.length ?? 0) > 0) {
    const blockers = blockersOf(state, stored, memo);
    if (blockers.length > 0) task.blocked_by = blockers;
  }
  return task;
}

function newTaskId(type: string, taken: (id: string) => boolean): string {
  for (;;) {
    const id = `${type}_${randomHex8()}`;
    if (!taken(id)) return id;
  }
}

/** Random bytes drawn a few KiB at a time: a bulk create of a million tasks makes a thousand calls for them, not a million. */
const randomPool = { bytes: Buffer.alloc(0), offset: 0 };

/** Eight random hex digits. */
function randomHex8(): string {
  if (randomPool.offset + 4 > randomPool.bytes.length) {
    randomPool.bytes = randomBytes(4096);
    randomPool.offset = 0;
  }
  const hex = randomPool.bytes.toString("hex", randomPool.offset, randomPool.offset + 4);
  randomPool.offset += 4;
  return hex;
}

/**
 * What creating tasks needs to know of the tasks a workflow already holds. The JSON
 * store answers from its state; a database store answers with indexed lookups.
 */
export interface ExistingTasks {
  has(id: string): boolean;
  /** The id of the task created with this idempotency key, if any. */
  idOfKey(key: string): string | undefined;
}

/** ExistingTasks over an in-memory state. */
export function existingTasksOf(state: WorkflowState): ExistingTasks {
  return {
    has: (id) => Object.hasOwn(state.tasks, id),
    idOfKey: (key) => {
      for (const id of taskIdsOf(state)) if (state.tasks[id]?.idempotency_key === key) return id;
      return undefined;
    },
  };
}

/** The id of the task created with this idempotency key, if any. */
function findByIdempotencyKey(tasks: Iterable<[string, StoredTask]>, key: string): string | undefined {
  for (const [id, task] of tasks) if (task.idempotency_key === key) return id;
  return undefined;
}

/**
 * `#<n>` as a parentId or dependency names the n-th task (from 0) of the same call, which
 * must come earlier in it: a caller splitting work into steps cannot know their ids yet.
 * Task ids never start with "#" (a type is letters, digits, ".", "_" and "-").
 */
export const BATCH_REFERENCE = /^#(\d{1,6})$/;

/** One task of a createTasks call: `created` is the new task, or null when its idempotency key matched `id`. */
export interface PlannedTask {
  id: string;
  created: StoredTask | null;
}

/**
 * The tasks a createTasks call adds, in order, checked against `existing` and against
 * each other; nothing is stored. Throws before anything is planned when a parent or a
 * dependency does not exist, so a store can apply the plan all or nothing.
 */
export function planNewTasks(existing: ExistingTasks, metadata: WorkflowMetadata, inputs: readonly NewTask[], now: Date): PlannedTask[] {
  const created = new Map<string, StoredTask>();
  const exists = (id: string): boolean => existing.has(id) || created.has(id);
  const stamp = toIsoTimestamp(now);
  const defaults = readTaskDefaults(metadata);
  const plan: PlannedTask[] = [];
  const resolve = (ref: string): string => {
    const index = BATCH_REFERENCE.exec(ref)?.[1];
    return index === undefined ? ref : (plan[Number(index)]?.id ?? ref);
  };
  for (const given of inputs) {
    const input: NewTask = {
      ...given,
      parentId: given.parentId == null ? given.parentId : resolve(given.parentId),
      dependsOn: given.dependsOn?.map(resolve),
    };
    if (input.idempotencyKey !== undefined) {
      const found = existing.idOfKey(input.idempotencyKey) ?? findByIdempotencyKey(created, input.idempotencyKey);
      if (found !== undefined) {
        plan.push({ id: found, created: null });
        continue;
      }
    }
    // A parent or dependency may be an existing task or one created earlier in the same batch.
    if (input.parentId != null && !exists(input.parentId)) {
      throw new TaskNotFoundError(input.parentId, "Parent task");
    }
    for (const depId of input.dependsOn ?? []) {
      if (!exists(depId)) throw new TaskNotFoundError(depId, "Dependency task");
    }
    const task: StoredTask = {
      type: input.type,
      status: TaskStatus.PENDING,
      parent_id: input.parentId,
      locked_by: null,
      locked_at: null,
      created_at: stamp,
      completed_at: null,
      data: input.data,
      attempts: 0,
    };
    // Only what differs from the defaults is stored, so a plain task looks as it does in the seed.
    if (input.priority !== undefined && input.priority !== 0) task.priority = input.priority;
    if (input.dependsOn !== undefined && input.dependsOn.length > 0) task.depends_on = [...new Set(input.dependsOn)];
    if (input.notBefore !== undefined) task.not_before = input.notBefore;
    else if (input.delaySeconds !== undefined) task.not_before = toIsoTimestamp(new Date(now.getTime() + input.delaySeconds * 1000));
    if (input.idempotencyKey !== undefined) task.idempotency_key = input.idempotencyKey;
    if (input.paths !== undefined && input.paths.length > 0) task.paths = [...input.paths];
    const maxAttempts = input.maxAttempts ?? defaults.max_attempts;
    if (maxAttempts !== undefined) task.max_attempts = maxAttempts;
    const retryDelay = input.retryDelaySeconds ?? defaults.retry_delay_seconds;
    if (retryDelay !== undefined) task.retry_delay_seconds = retryDelay;
    recordHistory(task, now, { event: HistoryEvent.CREATED });
    const id = newTaskId(input.type, exists);
    created.set(id, task);
    plan.push({ id, created: task });
  }
  return plan;
}

export function createTasks(state: WorkflowState, inputs: readonly NewTask[], now: Date): Mutation<CreatedTask[]> {
  const plan = planNewTasks(existingTasksOf(state), state.metadata, inputs, now);
  for (const { id, created } of plan) if (created) addTask(state, id, created);
  const value = plan.map(({ id, created }): CreatedTask => {
    const task = presentTask(state, id, state.tasks[id] as StoredTask);
    return created ? task : { ...task, already_existed: true };
  });
  return { value, changed: plan.some(({ created }) => created !== null) };
}

/**
 * Whether a claim's lease has run out: at lease_expires_at, or, for a claim made
 * without a lease (by the seed), `staleAfterMs` after locked_at. An unreadable time
 * can never expire by the clock, so it counts as expired and the task is not stuck.
 */
export function isLeaseExpired(task: StoredTask, now: Date, staleAfterMs: number): boolean {
  if (task.status !== TaskStatus.IN_PROGRESS) return false;
  let expiresAt: number;
  if (task.lease_expires_at != null) expiresAt = parseTimestamp(task.lease_expires_at);
  else if (task.locked_at !== null) expiresAt = parseTimestamp(task.locked_at) + staleAfterMs;
  else return false;
  return Number.isNaN(expiresAt) || now.getTime() > expiresAt;
}

/**
 * Ends every claim whose lease has run out, as the seed did before every claim: the
 * task goes back to pending (after its backoff) while attempts remain, else it fails.
 * Until this runs, an expired holder may still heartbeat or finish its task: the
 * lease only promises that nobody else gets the task before it runs out.
 */
export function releaseStaleClaims(state: WorkflowState, now: Date, staleAfterMs: number): string[] {
  const released: string[] = [];
  // Ids, not Object.entries: this runs before every claim over every task, and building
  // an [id, task] pair for each costs more than the check (2-3x at 10,000 tasks).
  for (const id of taskIdsOf(state)) {
    if (!isLeaseExpired(state.tasks[id] as StoredTask, now, staleAfterMs)) continue;
    const task = writableTask(state, id);
    const holder = task.locked_by;
    failAttempt(task, now, {
      event: HistoryEvent.LEASE_EXPIRED,
      agent: holder,
      error: `lease expired: "${holder ?? "nobody"}" did not finish attempt ${task.attempts ?? 0} or renew its lease in time`,
    });
    released.push(id);
  }
  return released;
}

function leaseEnd(now: Date, leaseSeconds: number): string {
  return toIsoTimestamp(new Date(now.getTime() + leaseSeconds * 1000));
}

/**
 * Releases expired claims, then claims the ready task of the requested types with
 * the highest priority, the oldest among equals. Ready: pending, its not_before
 * passed, and every dependency completed.
 */
export function claimNextTask(state: WorkflowState, request: Timed<ClaimRequest>): Mutation<ClaimedTask | null> {
  const released = releaseStaleClaims(state, request.now, request.staleAfterMs);
  const types = request.taskTypes && request.taskTypes.length > 0 ? new Set(request.taskTypes) : null;
  const blocked = pathsBlockedFor(state, request);
  let best: [string, StoredTask] | null = null;
  // Tasks are kept in creation order, so among equal priorities the first found is the oldest.
  for (const id of taskIdsOf(state)) {
    const task = state.tasks[id] as StoredTask;
    if (task.status !== TaskStatus.PENDING) continue;
    if (types && !types.has(task.type)) continue;
    if (best !== null && (task.priority ?? 0) <= (best[1].priority ?? 0)) continue;
    if (!isReady(state, task, request.now)) continue;
    if (blocked(task)) continue;
    best = [id, task];
  }
  if (best === null) return { value: null, changed: released.length > 0 };
  const id = best[0];
  return { value: claimWithNewToken(id, writableTask(state, id), request, state.metadata), changed: true };
}

/**
 * Whether a ready task's paths keep it from the claimer: they overlap a task in progress of
 * another holder, or another holder's exclusive reservation. The holds are gathered once,
 * and only when a task with paths is looked at.
 */
export function pathsBlockedFor(state: WorkflowState, request: Timed<ClaimRequest>): (task: StoredTask) => boolean {
  let holds: PathHold[] | null = null;
  const holder = { agentId: request.agentId, sessionDigest: request.sessionDigest ?? null };
  return (task) => {
    if (task.paths === undefined || task.paths.length === 0) return false;
    holds ??= holdsOf(state, request.now);
    return holds.length > 0 && conflictsWith(task.paths, holder, "claim", holds, request.now).length > 0;
  };
}

/**
 * Makes a ready task the requesting agent's: held from `now`, one more attempt, and a
 * lease of the request's length, else the workflow's default, else the task timeout.
 * `tokenDigest` is what the claim's token is checked against (null: a claim without one).
 */
export function claimTask(task: StoredTask, request: Timed<ClaimRequest>, metadata: WorkflowMetadata, tokenDigest: string | null): void {
  const leaseSeconds = request.leaseSeconds ?? readTaskDefaults(metadata).lease_seconds ?? request.staleAfterMs / 1000;
  task.status = TaskStatus.IN_PROGRESS;
  task.locked_by = request.agentId;
  task.locked_at = toIsoTimestamp(request.now);
  task.attempts = (task.attempts ?? 0) + 1;
  task.lease_seconds = leaseSeconds;
  task.lease_expires_at = leaseEnd(request.now, leaseSeconds);
  if (tokenDigest === null) delete task.claim_token_sha256;
  else task.claim_token_sha256 = tokenDigest;
  if (request.sessionDigest === undefined) delete task.holder_session_sha256;
  else task.holder_session_sha256 = request.sessionDigest;
  recordHistory(task, request.now, { event: HistoryEvent.CLAIMED, agent: request.agentId, attempt: task.attempts });
}

/** claimTask under a new token; returns the task as the claim returns it, the token with it. */
export function claimWithNewToken(id: string, task: StoredTask, request: Timed<ClaimRequest>, metadata: WorkflowMetadata): ClaimedTask {
  const { secret, digest } = newClaimSecret();
  claimTask(task, request, metadata, digest);
  return { ...toTask(id, task), claim_token: formatClaimToken(task.attempts ?? 0, secret) };
}

/**
 * The task, if `agentId` holds it under the claim `claimToken` is of. A task claimed
 * with a token is refused to any other token, or none, even under the holder's name:
 * CLAIM_SUPERSEDED for a token of an earlier claim, else NOT_CLAIM_HOLDER. A claim made
 * without one (by the seed or an older version) is checked by the name, as it was then.
 */
function requireHeldClaim(state: WorkflowState, taskId: string, agentId: string, claimToken: string | undefined): StoredTask {
  const task = state.tasks[taskId];
  if (!task || !Object.hasOwn(state.tasks, taskId)) throw new TaskNotFoundError(taskId);
  if (task.status !== TaskStatus.IN_PROGRESS) throw new TaskNotInProgressError(taskId, task.status);
  if (task.locked_by !== agentId) throw new NotClaimHolderError(taskId, agentId, task.locked_by);
  const current = task.attempts ?? 0;
  const token = claimToken === undefined ? null : parseClaimToken(claimToken);
  const digest = typeof task.claim_token_sha256 === "string" ? task.claim_token_sha256 : null;
  if (token !== null && digest !== null && claimSecretDigest(token.secret) === digest) return writableTask(state, taskId);
  if (token !== null && token.attempt < current) throw new ClaimSupersededError(taskId, token.attempt, current);
  if (digest !== null) throw new NotClaimHolderError(taskId, agentId, task.locked_by, { attempt: current, tokenGiven: claimToken !== undefined });
  return writableTask(state, taskId);
}

/** The error a retryable failure leaves in last_error: result_data.error when it is a string, else the result. */
function describeFailure(resultData: JsonObject | undefined, agentId: string, attempt: number): string {
  const MAX_ERROR_CHARS = 1000;
  if (resultData === undefined) return `failed by "${agentId}" in attempt ${attempt}`;
  const error = resultData.error;
  const text = typeof error === "string" ? error : JSON.stringify(resultData);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

/** Cancels the pending tasks below `rootId` (children, their children, …); returns how many. */
function cancelPendingDescendants(state: WorkflowState, rootId: string, now: Date, agentId: string): number {
  const children = new Map<string, string[]>();
  for (const id of taskIdsOf(state)) {
    const task = state.tasks[id] as StoredTask;
    if (task.parent_id === null) continue;
    const siblings = children.get(task.parent_id);
    if (siblings) siblings.push(id);
    else children.set(task.parent_id, [id]);
  }
  let cancelled = 0;
  const seen = new Set<string>([rootId]);
  const queue = [...(children.get(rootId) ?? [])];
  // A task held by an agent is left to it, but the walk goes on below it.
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id)) continue; // a parent cycle is only possible by hand-editing
    seen.add(id);
    if ((state.tasks[id] as StoredTask).status === TaskStatus.PENDING) {
      cancelAsPending(writableTask(state, id), now, agentId, `with its ancestor ${rootId}`);
      cancelled += 1;
    }
    queue.push(...(children.get(id) ?? []));
  }
  return cancelled;
}

function cancelAsPending(task: StoredTask, now: Date, agentId: string, detail: string | undefined): void {
  task.status = TaskStatus.CANCELLED;
  task.completed_at = toIsoTimestamp(now);
  recordHistory(task, now, { event: HistoryEvent.CANCELLED, agent: agentId, detail });
}

function endClaim(task: StoredTask): void {
  task.locked_by = null;
  task.locked_at = null;
  task.lease_expires_at = null;
  delete task.claim_token_sha256;
  delete task.holder_session_sha256;
}

/**
 * Finishes a held claim as completed, failed or cancelled. A failure with `retry`
 * goes back to pending (after the backoff) while attempts remain; a cancel with
 * `cascade` also cancels the task's pending descendants.
 */
export function completeTask(state: WorkflowState, request: Timed<CompleteRequest>): Mutation<FinishedTask> {
  if (request.retry === true && request.status !== TaskStatus.FAILED) {
    throw new InvalidInputError("Invalid completeTask request: retry applies only to status failed.");
  }
  if (request.cascade === true && request.status !== TaskStatus.CANCELLED) {
    throw new InvalidInputError("Invalid completeTask request: cascade applies only to status cancelled.");
  }
  const task = requireHeldClaim(state, request.taskId, request.agentId, request.claimToken);
  const attempt = task.attempts ?? 0;
  if (request.retry === true) {
    const error = describeFailure(request.resultData, request.agentId, attempt);
    const outcome = failAttempt(task, request.now, { event: HistoryEvent.FAILED, agent: request.agentId, error });
    if (outcome === "failed" && request.resultData !== undefined) task.result = request.resultData;
    return { value: presentTask(state, request.taskId, task), changed: true };
  }
  task.status = request.status;
  task.completed_at = toIsoTimestamp(request.now);
  endClaim(task);
  if (request.resultData !== undefined) task.result = request.resultData;
  recordHistory(task, request.now, { event: request.status, agent: request.agentId, attempt });
  const finished: FinishedTask = toTask(request.taskId, task);
  if (request.cascade === true) {
    finished.cancelled_descendants = cancelPendingDescendants(state, request.taskId, request.now, request.agentId);
  }
  return { value: finished, changed: true };
}

export function releaseTask(state: WorkflowState, request: Timed<ReleaseRequest>): Mutation<Task> {
  if (request.force === true) return releaseAnyClaim(state, request);
  const task = requireHeldClaim(state, request.taskId, request.agentId, request.claimToken);
  task.status = TaskStatus.PENDING;
  endClaim(task);
  recordHistory(task, request.now, { event: HistoryEvent.RELEASED, agent: request.agentId, attempt: task.attempts });
  return { value: presentTask(state, request.taskId, task), changed: true };
}

/**
 * A person overriding an agent's claim: the task goes back to pending whoever holds it
 * and however long its lease still runs. It is not counted as a failed attempt (the
 * agent was overruled, it did not fail). The old holder no longer holds the claim, so
 * its later heartbeat or completion is refused and cannot overwrite what happens next.
 */
function releaseAnyClaim(state: WorkflowState, request: Timed<ReleaseRequest>): Mutation<Task> {
  const found = Object.hasOwn(state.tasks, request.taskId) ? state.tasks[request.taskId] : undefined;
  if (!found) throw new TaskNotFoundError(request.taskId);
  if (found.status !== TaskStatus.IN_PROGRESS) throw new TaskNotInProgressError(request.taskId, found.status);
  const task = writableTask(state, request.taskId);
  const holder = task.locked_by;
  task.status = TaskStatus.PENDING;
  endClaim(task);
  recordHistory(task, request.now, {
    event: HistoryEvent.RELEASED,
    agent: request.agentId,
    attempt: task.attempts,
    detail: `forced: taken from "${holder ?? "nobody"}"`,
  });
  return { value: presentTask(state, request.taskId, task), changed: true };
}

/**
 * Renews a held claim's lease to now plus `leaseSeconds`, or plus the claim's own
 * lease length. Like completion, refused to anyone but the current claim's holder.
 */
export function heartbeatTask(state: WorkflowState, request: Timed<HeartbeatRequest>): Mutation<Task> {
  const task = requireHeldClaim(state, request.taskId, request.agentId, request.claimToken);
  const leaseSeconds = request.leaseSeconds ?? task.lease_seconds ?? request.staleAfterMs / 1000;
  task.lease_expires_at = leaseEnd(request.now, leaseSeconds);
  if (task.lease_seconds === undefined) task.lease_seconds = leaseSeconds;
  recordHistory(task, request.now, { event: HistoryEvent.HEARTBEAT, agent: request.agentId, attempt: task.attempts });
  return { value: toTask(request.taskId, task), changed: true };
}

/**
 * Cancels a task nobody holds — pending, or claimed by an agent whose lease ran out
 * (its claim ended there, the task cancelled rather than retried) — and with `cascade` its
 * pending descendants.
 * With `force` (a person's override) a task an agent still holds is cancelled too, its
 * claim ended; held descendants are still left to their holders.
 */
export function cancelTask(state: WorkflowState, request: Timed<CancelRequest>): Mutation<FinishedTask> {
  const found = Object.hasOwn(state.tasks, request.taskId) ? state.tasks[request.taskId] : undefined;
  if (!found) throw new TaskNotFoundError(request.taskId);
  const expired = isLeaseExpired(found, request.now, request.staleAfterMs);
  const overriding = request.force === true && found.status === TaskStatus.IN_PROGRESS && !expired;
  if (found.status !== TaskStatus.PENDING && !expired && !overriding) {
    throw new TaskNotPendingError(request.taskId, found.status, found.locked_by);
  }
  const task = writableTask(state, request.taskId);
  let detail = request.reason;
  if (overriding) {
    const forced = `forced: taken from "${task.locked_by ?? "nobody"}"`;
    detail = detail === undefined ? forced : `${forced}; ${detail}`;
    endClaim(task);
  } else if (expired) {
    // Its holder's lease ran out: that claim ends here, and the task is cancelled, not retried.
    recordHistory(task, request.now, { event: HistoryEvent.LEASE_EXPIRED, agent: task.locked_by, attempt: task.attempts });
    endClaim(task);
  }
  cancelAsPending(task, request.now, request.agentId, detail);
  const finished: FinishedTask = toTask(request.taskId, task);
  if (request.cascade === true) {
    finished.cancelled_descendants = cancelPendingDescendants(state, request.taskId, request.now, request.agentId);
  }
  return { value: finished, changed: true };
}

export function getTask(state: WorkflowState, taskId: string): Task | null {
  const task = Object.hasOwn(state.tasks, taskId) ? state.tasks[taskId] : undefined;
  return task ? presentTask(state, taskId, task) : null;
}

export function getTaskChildren(state: WorkflowState, taskId: string): Task[] {
  if (!Object.hasOwn(state.tasks, taskId)) throw new TaskNotFoundError(taskId);
  const children: Task[] = [];
  const memo: BlockerMemo = new Map();
  for (const id of taskIdsOf(state)) {
    const task = state.tasks[id] as StoredTask;
    if (task.parent_id === taskId) children.push(presentTask(state, id, task, memo));
  }
  return children;
}

/** Cursors are opaque to callers: the id of the last task on the previous page. */
export function encodeCursor(taskId: string): string {
  return Buffer.from(taskId, "utf8").toString("base64url");
}

/** The task id a cursor names; whether the workflow has that task is the caller's to check (else invalidCursor). */
export function cursorTaskId(cursor: string): string {
  return Buffer.from(cursor, "base64url").toString("utf8");
}

export function invalidCursor(): InvalidInputError {
  return new InvalidInputError("Invalid cursor: it does not come from this workflow's list_tasks; start again without a cursor.");
}

function decodeCursor(state: WorkflowState, cursor: string): string {
  const taskId = cursorTaskId(cursor);
  if (!Object.hasOwn(state.tasks, taskId)) throw invalidCursor();
  return taskId;
}

export function listTasks(state: WorkflowState, query: TaskQuery): TaskPage {
  const after = query.cursor === undefined ? null : decodeCursor(state, query.cursor);
  let started = after === null;
  const tasks: Task[] = [];
  const memo: BlockerMemo = new Map();
  for (const id of taskIdsOf(state)) {
    const task = state.tasks[id] as StoredTask;
    if (!started) {
      started = id === after;
      continue;
    }
    if (query.status !== undefined && task.status !== query.status) continue;
    if (query.type !== undefined && task.type !== query.type) continue;
    if (query.parentId !== undefined && task.parent_id !== query.parentId) continue;
    if (tasks.length === query.limit) {
      const last = tasks[tasks.length - 1];
      return { tasks, next_cursor: last ? encodeCursor(last.id) : null };
    }
    tasks.push(presentTask(state, id, task, memo));
  }
  return { tasks, next_cursor: null };
}

export function summarize(state: WorkflowState, now: Date): StatusSummary {
  const statusCounts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
  // A Map, not an object: a task type may be "constructor" or "__proto__".
  const typeCounts = new Map<string, number>();
  const pendingCounts: PendingCounts = { ready: 0, conflicting: 0, scheduled: 0, waiting: 0, blocked: 0 };
  const memo: BlockerMemo = new Map();
  // Gathered only once a ready task with paths is met: a workflow without paths never pays for it.
  let holds: PathHold[] | null = null;
  let total = 0;
  for (const id of taskIdsOf(state)) {
    const task = state.tasks[id] as StoredTask;
    total += 1;
    statusCounts[task.status] += 1;
    typeCounts.set(task.type, (typeCounts.get(task.type) ?? 0) + 1);
    if (task.status !== TaskStatus.PENDING) continue;
    const pending = pendingStateOf(state, task, now, memo);
    const held = pending === "ready" && task.paths !== undefined && isConflicting(task, (holds ??= holdsOf(state, now)), now);
    pendingCounts[held ? "conflicting" : pending] += 1;
  }
  return { total_tasks: total, status_counts: statusCounts, type_counts: Object.fromEntries(typeCounts), pending_counts: pendingCounts };
}

/** A ready task that some hold keeps back from every agent but that hold's holder. */
export function isConflicting(task: StoredTask, holds: readonly PathHold[], now: Date): boolean {
  return task.paths !== undefined && holds.length > 0 && conflictsWith(task.paths, NOBODY, "claim", holds, now).length > 0;
}

export function updateMetadata(state: WorkflowState, patch: JsonObject, now: Date): Mutation<WorkflowMetadata> {
  // initialized_at records the workflow's birth and last_updated the last write; neither is the caller's to set.
  const { initialized_at: _born, last_updated: _touched, ...rest } = patch;
  for (const [key, value] of Object.entries(rest)) defineOwn(state.metadata, key, value);
  state.metadata.last_updated = toIsoTimestamp(now);
  return { value: { ...state.metadata }, changed: true };
}
