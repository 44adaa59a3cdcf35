/**
 * The shapes of a workflow: what a state file holds and what the library returns.
 * Field names are the seed's snake_case, identical on disk and in results, so a
 * person reading the JSON file and a program reading a result see the same thing.
 */
import { z } from "zod";

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

/** A JSON object: task data, results and metadata are always objects, as in the seed. */
export const jsonObjectSchema = z.record(z.string(), z.json());
export type JsonObject = z.infer<typeof jsonObjectSchema>;

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
  data: jsonObjectSchema,
  result: jsonObjectSchema.optional(),
  /** Claims made so far; absent in files from the seed, where it counts as 0. */
  attempts: z.number().int().nonnegative().optional(),
});
export type StoredTask = z.infer<typeof storedTaskSchema>;

export const workflowMetadataSchema = z.looseObject({
  initialized_at: z.string(),
  last_updated: z.string(),
});
export type WorkflowMetadata = z.infer<typeof workflowMetadataSchema>;

export const workflowStateSchema = z.looseObject({
  workflow_type: z.string(),
  metadata: workflowMetadataSchema,
  tasks: z.record(z.string(), storedTaskSchema),
});
export type WorkflowState = z.infer<typeof workflowStateSchema>;

/** A task as the library returns it: the stored fields plus its id. */
export type Task = StoredTask & { id: string; attempts: number };

export interface StatusSummary {
  total_tasks: number;
  status_counts: Record<TaskStatus, number>;
  type_counts: Record<string, number>;
}

export interface TaskPage {
  tasks: Task[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}
