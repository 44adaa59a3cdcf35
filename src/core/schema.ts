/**
 * The shapes of a workflow: what a state file holds and what the library returns.
 * Field names are the seed's snake_case, identical on disk and in results, so a
 * person reading the JSON file and a program reading a result see the same thing.
 */
import { z } from "zod";
import type { JsonObject } from "./json-value.js";

export const TaskStatus = {
  PENDING: "pending",
  IN_PROGRESS: "in_progress",
  COMPLETED: "completed",
  FAILED: "failed",
  CANCELLED: "cancelled",
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const TASK_STATUSES = Object.values(TaskStatus) as [TaskStatus, ...TaskStatus[]];
/** The statuses a holder may finish a claimed task with. */
export const FINAL_STATUSES = [TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export const taskStatusSchema = z.enum(TASK_STATUSES);

export type { JsonObject, JsonValue } from "./json-value.js";

/**
 * Task data or a result as stored: an object, as in the seed. JSON.parse made it, so it is
 * JSON throughout and is not descended into: data written by hand may be nested deeper than
 * input may be (core/json-value.ts) and is still read, and a descent would cost stack and time.
 */
export const storedJsonObjectSchema = z.custom<JsonObject>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  "expected a JSON object",
);

export const HistoryEvent = {
  CREATED: "created",
  CLAIMED: "claimed",
  HEARTBEAT: "heartbeat",
  RELEASED: "released",
  LEASE_EXPIRED: "lease_expired",
  RETRY_SCHEDULED: "retry_scheduled",
  COMPLETED: "completed",
  FAILED: "failed",
  CANCELLED: "cancelled",
} as const;
export type HistoryEvent = (typeof HistoryEvent)[keyof typeof HistoryEvent];

/** One line of a task's history. Loose, and `event` a plain string, so later events still load. */
export const historyEntrySchema = z.looseObject({
  at: z.string(),
  event: z.string(),
  agent: z.string().optional(),
  attempt: z.number().optional(),
  detail: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/**
 * A task as stored under `tasks[id]`. Loose, so fields written by a newer version
 * (or by hand) survive a read-modify-write by this one.
 */
export const storedTaskSchema = z.looseObject({
  type: z.string().min(1),
  status: taskStatusSchema,
  parent_id: z.string().nullable(),
  locked_by: z.string().nullable(),
  locked_at: z.string().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  data: storedJsonObjectSchema,
  result: storedJsonObjectSchema.optional(),
  /** Claims made so far; absent in files from the seed, where it counts as 0. */
  attempts: z.number().int().nonnegative().optional(),
  // Coordination fields (see core/workflow-rules.ts). All optional: files from the seed and
  // from earlier versions lack them, and a missing field means its default.
  /** Higher is claimed first; default 0. */
  priority: z.number().int().optional(),
  /** Ids of tasks that must be completed before this one is claimable; default none. */
  depends_on: z.array(z.string()).optional(),
  /** Not claimable before this time; null or absent: any time. */
  not_before: z.string().nullable().optional(),
  /** A second create with this key returns this task instead of a new one. */
  idempotency_key: z.string().optional(),
  /** Failed attempts after which the task ends failed; absent: retry without limit. */
  max_attempts: z.number().int().positive().optional(),
  /** Wait before the first retry, doubled for each further one (capped); default 0. */
  retry_delay_seconds: z.number().nonnegative().optional(),
  /** Attempts that failed (with retry) or whose lease ran out; default 0. */
  failures: z.number().int().nonnegative().optional(),
  /** Why the last attempt failed. */
  last_error: z.string().nullable().optional(),
  /** When the current claim runs out unless renewed; absent on seed claims (locked_at + task timeout). */
  lease_expires_at: z.string().nullable().optional(),
  /** The length of the current (or last) claim's lease, which a heartbeat renews by default. */
  lease_seconds: z.number().positive().optional(),
  /** What happened to the task, oldest first, bounded to the last HISTORY_LIMIT entries. */
  history: z.array(historyEntrySchema).optional(),
  /**
   * While claimed: the SHA-256 of the current claim's token secret (see core/claim-token.ts).
   * Absent on claims made without a token (by the seed or an older version); never returned by a read.
   */
  claim_token_sha256: z.string().optional(),
  /** Repository paths or globs the task touches (core/paths.ts); absent: none. Held by its claimer while in progress. */
  paths: z.array(z.string()).optional(),
  /**
   * While claimed: the SHA-256 of the claiming session's secret, so the holds of its paths
   * belong to that session (core/path-holds.ts). Never returned by a read.
   */
  holder_session_sha256: z.string().optional(),
});
export type StoredTask = z.infer<typeof storedTaskSchema>;

export const workflowMetadataSchema = z.looseObject({
  initialized_at: z.string(),
  last_updated: z.string(),
});
export type WorkflowMetadata = z.infer<typeof workflowMetadataSchema>;

/**
 * An explicit reservation of a path, kept in the state's top-level `reservations` (absent
 * when there are none). It ends at `expires_at`, when its task finishes, or when released.
 */
export const storedReservationSchema = z.looseObject({
  path: z.string().min(1),
  held_by: z.string(),
  /** The SHA-256 of the holding session's secret; null: no session can match it. Never returned by a read. */
  session_sha256: z.string().nullable(),
  exclusive: z.boolean(),
  created_at: z.string(),
  expires_at: z.string(),
  reason: z.string().optional(),
  task_id: z.string().optional(),
});
export type StoredReservation = z.infer<typeof storedReservationSchema>;
/** A reservation as results show it: without its session's digest. */
export interface Reservation {
  path: string;
  held_by: string;
  exclusive: boolean;
  created_at: string;
  expires_at: string;
  reason?: string | undefined;
  task_id?: string | undefined;
}

/**
 * A state's shape, for its type. Not for reading one: zod leaves a "__proto__" key out of
 * the record it builds, which would drop a task with that id; checkWorkflowState
 * (core/workflow-state-check.ts) reads a state and keeps every task.
 */
export const workflowStateSchema = z.looseObject({
  workflow_type: z.string(),
  metadata: workflowMetadataSchema,
  tasks: z.record(z.string(), storedTaskSchema),
  reservations: z.array(storedReservationSchema).optional(),
});
export type WorkflowState = z.infer<typeof workflowStateSchema>;

/**
 * A task as the library returns it: the stored fields plus its id, and, for a pending
 * task that can never run, `blocked_by`: the failed or cancelled tasks it waits on.
 */
export type Task = StoredTask & { id: string; attempts: number; blocked_by?: string[] };

/**
 * What a claim returns: the task, and the claim's token, which only this result shows.
 * Pass it back (claimToken) to complete, release or heartbeat the task.
 */
export type ClaimedTask = Task & { claim_token: string };

/** What createTasks returns: `already_existed` when an idempotency key matched an existing task. */
export type CreatedTask = Task & { already_existed?: true };

/** What completing or cancelling returns: with `cascade`, how many pending descendants were cancelled too. */
export type FinishedTask = Task & { cancelled_descendants?: number };

/** completeAndClaimNext's answer: the task as finished, and the next one claimed for the same agent (null when none was ready). */
export interface FinishedAndNext {
  task: FinishedTask;
  next: ClaimedTask | null;
}

/** Pending tasks by why they are (not yet) claimable; they add up to status_counts.pending. */
export interface PendingCounts {
  /** Claimable now. */
  ready: number;
  /** Claimable but for its paths: they overlap a task in progress or an exclusive reservation. */
  conflicting: number;
  /** Its not_before is still ahead. */
  scheduled: number;
  /** A dependency is not completed yet. */
  waiting: number;
  /** A dependency failed or was cancelled: it will not run unless someone cancels or replaces it. */
  blocked: number;
}

export interface StatusSummary {
  total_tasks: number;
  status_counts: Record<TaskStatus, number>;
  type_counts: Record<string, number>;
  pending_counts: PendingCounts;
}

export interface TaskPage {
  tasks: Task[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}
