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
} from "./errors.js";
import {
  TASK_STATUSES,
  TaskStatus,
  type JsonObject,
  type StatusSummary,
  type StoredTask,
  type Task,
  type TaskPage,
  type WorkflowMetadata,
  type WorkflowState,
} from "./schema.js";
import type { ClaimRequest, CompleteRequest, NewTask, ReleaseRequest, TaskQuery } from "./task-store.js";
import { parseTimestamp, toIsoTimestamp } from "./time.js";

export interface Mutation<T> {
  value: T;
  changed: boolean;
}

export function newWorkflowState(now: Date): WorkflowState {
  const stamp = toIsoTimestamp(now);
  return { workflow_type: "generic", metadata: { initialized_at: stamp, last_updated: stamp }, tasks: {} };
}

export function toTask(id: string, stored: StoredTask): Task {
  return { id, ...stored, attempts: stored.attempts ?? 0 };
}

function newTaskId(type: string, taken: (id: string) => boolean): string {
  for (;;) {
    const id = `${type}_${randomBytes(4).toString("hex")}`;
    if (!taken(id)) return id;
  }
}

export function createTasks(state: WorkflowState, inputs: readonly NewTask[], now: Date): Mutation<Task[]> {
  const created = new Map<string, StoredTask>();
  const exists = (id: string): boolean => Object.hasOwn(state.tasks, id) || created.has(id);
  const stamp = toIsoTimestamp(now);
  for (const input of inputs) {
    // A parent may be an existing task or one created earlier in the same batch.
    if (input.parentId != null && !exists(input.parentId)) {
      throw new TaskNotFoundError(input.parentId, "Parent task");
    }
    created.set(newTaskId(input.type, exists), {
      type: input.type,
      status: TaskStatus.PENDING,
      parent_id: input.parentId,
      locked_by: null,
      locked_at: null,
      created_at: stamp,
      completed_at: null,
      data: input.data,
      attempts: 0,
    });
  }
  for (const [id, task] of created) state.tasks[id] = task;
  return { value: [...created].map(([id, task]) => toTask(id, task)), changed: created.size > 0 };
}

/** Puts claims older than `staleAfterMs` back to pending, as the seed does before every claim. */
export function releaseStaleClaims(state: WorkflowState, now: Date, staleAfterMs: number): string[] {
  const released: string[] = [];
  const cutoff = now.getTime() - staleAfterMs;
  for (const [id, task] of Object.entries(state.tasks)) {
    if (task.status !== TaskStatus.IN_PROGRESS || task.locked_at === null) continue;
    // An unreadable claim time can never expire by the clock; treat it as stale so the task is not stuck.
    const lockedAt = parseTimestamp(task.locked_at);
    if (Number.isNaN(lockedAt) || lockedAt < cutoff) {
      task.status = TaskStatus.PENDING;
      task.locked_by = null;
      task.locked_at = null;
      released.push(id);
    }
  }
  return released;
}

/** Releases stale claims, then claims the oldest pending task of the requested types. */
export function claimNextTask(state: WorkflowState, request: ClaimRequest): Mutation<Task | null> {
  const released = releaseStaleClaims(state, request.now, request.staleAfterMs);
  const types = request.taskTypes && request.taskTypes.length > 0 ? new Set(request.taskTypes) : null;
  // Tasks are kept in creation order, so the first match is the oldest.
  for (const [id, task] of Object.entries(state.tasks)) {
    if (task.status !== TaskStatus.PENDING) continue;
    if (types && !types.has(task.type)) continue;
    task.status = TaskStatus.IN_PROGRESS;
    task.locked_by = request.agentId;
    task.locked_at = toIsoTimestamp(request.now);
    task.attempts = (task.attempts ?? 0) + 1;
    return { value: toTask(id, task), changed: true };
  }
  return { value: null, changed: released.length > 0 };
}

function requireHeldClaim(state: WorkflowState, taskId: string, agentId: string, attempt: number | undefined): StoredTask {
  const task = state.tasks[taskId];
  if (!task || !Object.hasOwn(state.tasks, taskId)) throw new TaskNotFoundError(taskId);
  if (task.status !== TaskStatus.IN_PROGRESS) throw new TaskNotInProgressError(taskId, task.status);
  if (task.locked_by !== agentId) throw new NotClaimHolderError(taskId, agentId, task.locked_by);
  const current = task.attempts ?? 0;
  if (attempt !== undefined && attempt !== current) throw new ClaimSupersededError(taskId, attempt, current);
  return task;
}

export function completeTask(state: WorkflowState, request: CompleteRequest): Mutation<Task> {
  const task = requireHeldClaim(state, request.taskId, request.agentId, request.attempt);
  task.status = request.status;
  task.completed_at = toIsoTimestamp(request.now);
  task.locked_by = null;
  task.locked_at = null;
  if (request.resultData !== undefined) task.result = request.resultData;
  return { value: toTask(request.taskId, task), changed: true };
}

export function releaseTask(state: WorkflowState, request: ReleaseRequest): Mutation<Task> {
  const task = requireHeldClaim(state, request.taskId, request.agentId, request.attempt);
  task.status = TaskStatus.PENDING;
  task.locked_by = null;
  task.locked_at = null;
  return { value: toTask(request.taskId, task), changed: true };
}

export function getTask(state: WorkflowState, taskId: string): Task | null {
  const task = Object.hasOwn(state.tasks, taskId) ? state.tasks[taskId] : undefined;
  return task ? toTask(taskId, task) : null;
}

export function getTaskChildren(state: WorkflowState, taskId: string): Task[] {
  if (!Object.hasOwn(state.tasks, taskId)) throw new TaskNotFoundError(taskId);
  const children: Task[] = [];
  for (const [id, task] of Object.entries(state.tasks)) {
    if (task.parent_id === taskId) children.push(toTask(id, task));
  }
  return children;
}

/** Cursors are opaque to callers: the id of the last task on the previous page. */
export function encodeCursor(taskId: string): string {
  return Buffer.from(taskId, "utf8").toString("base64url");
}

function decodeCursor(state: WorkflowState, cursor: string): string {
  const taskId = Buffer.from(cursor, "base64url").toString("utf8");
  if (!Object.hasOwn(state.tasks, taskId)) {
    throw new InvalidInputError("Invalid cursor: it does not come from this workflow's list_tasks; start again without a cursor.");
  }
  return taskId;
}

export function listTasks(state: WorkflowState, query: TaskQuery): TaskPage {
  const after = query.cursor === undefined ? null : decodeCursor(state, query.cursor);
  let started = after === null;
  const tasks: Task[] = [];
  for (const [id, task] of Object.entries(state.tasks)) {
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
    tasks.push(toTask(id, task));
  }
  return { tasks, next_cursor: null };
}

export function summarize(state: WorkflowState): StatusSummary {
  const statusCounts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
  // A Map, not an object: a task type may be "constructor" or "__proto__".
  const typeCounts = new Map<string, number>();
  let total = 0;
  for (const task of Object.values(state.tasks)) {
    total += 1;
    statusCounts[task.status] += 1;
    typeCounts.set(task.type, (typeCounts.get(task.type) ?? 0) + 1);
  }
  return { total_tasks: total, status_counts: statusCounts, type_counts: Object.fromEntries(typeCounts) };
}

export function updateMetadata(state: WorkflowState, patch: JsonObject, now: Date): Mutation<WorkflowMetadata> {
  // initialized_at records the workflow's birth and last_updated the last write; neither is the caller's to set.
  const { initialized_at: _born, last_updated: _touched, ...rest } = patch;
  for (const [key, value] of Object.entries(rest)) {
    // defineProperty, not assignment: a "__proto__" key from JSON must stay plain data.
    Object.defineProperty(state.metadata, key, { value, enumerable: true, writable: true, configurable: true });
  }
  state.metadata.last_updated = toIsoTimestamp(now);
  return { value: { ...state.metadata }, changed: true };
}
