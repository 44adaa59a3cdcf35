/**
 * Validation of everything a caller hands the library. Each schema names the
 * field in the caller's terms so the error tells them exactly what to fix.
 */
import { z } from "zod";
import { InvalidInputError } from "./errors.js";
import { FINAL_STATUSES, jsonObjectSchema, taskStatusSchema, TaskStatus } from "./schema.js";

/** A task type becomes part of the task id, so it is kept to a safe alphabet. */
export const TASK_TYPE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const taskTypeSchema = z
  .string()
  .regex(TASK_TYPE_PATTERN, "must be 1-64 letters, digits, '.', '_' or '-'");

// Control characters in names end up in logs and terminals; refuse them.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
export const agentIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .refine((value) => !CONTROL_CHARS.test(value), "must not contain control characters");

export const taskIdSchema = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");

const attemptSchema = z.number().int().positive();

export const createTaskInputSchema = z.strictObject({
  type: taskTypeSchema,
  data: jsonObjectSchema.optional(),
  parentId: taskIdSchema.nullish(),
});
export type CreateTaskInput = z.input<typeof createTaskInputSchema>;

export const getNextTaskInputSchema = z.strictObject({
  agentId: agentIdSchema,
  taskTypes: z.array(taskTypeSchema).optional(),
});
export type GetNextTaskInput = z.input<typeof getNextTaskInputSchema>;

export const completeTaskInputSchema = z.strictObject({
  taskId: taskIdSchema,
  agentId: agentIdSchema,
  status: z.enum(FINAL_STATUSES).default(TaskStatus.COMPLETED),
  resultData: jsonObjectSchema.optional(),
  /** The attempt number the claim returned; a superseded attempt is refused. */
  attempt: attemptSchema.optional(),
});
export type CompleteTaskInput = z.input<typeof completeTaskInputSchema>;

export const releaseTaskInputSchema = z.strictObject({
  taskId: taskIdSchema,
  agentId: agentIdSchema,
  attempt: attemptSchema.optional(),
});
export type ReleaseTaskInput = z.input<typeof releaseTaskInputSchema>;

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
export const listTasksInputSchema = z.strictObject({
  status: taskStatusSchema.optional(),
  type: taskTypeSchema.optional(),
  parentId: taskIdSchema.optional(),
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().max(400).optional(),
});
export type ListTasksInput = z.input<typeof listTasksInputSchema>;

export const metadataPatchSchema = jsonObjectSchema;

/** Parse `value` with `schema`, or throw InvalidInputError naming every wrong field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(`Invalid ${what}: ${describeIssues(parsed.error)}.`);
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/** Refuse task data or results whose JSON is larger than the limit, before anything is written. */
export function assertPayloadSize(value: unknown, field: string, maxBytes: number): void {
  if (value === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
  if (bytes > maxBytes) {
    throw new InvalidInputError(
      `Invalid ${field}: its JSON is ${bytes} bytes, over the limit of ${maxBytes} bytes; store large artifacts in files and put their paths in the task.`,
    );
  }
}
