/**
 * Validation of everything a caller hands the library. Each schema names the
 * field in the caller's terms so the error tells them exactly what to fix.
 */
import { z } from "zod";
import { MAX_CLAIM_TOKEN_LENGTH } from "./claim-token.js";
import { InvalidInputError } from "./errors.js";
import { copyJsonObject, type JsonObject } from "./json-value.js";
import { FINAL_STATUSES, taskStatusSchema, TaskStatus } from "./schema.js";
import {
  leaseSecondsSchema,
  maxAttemptsSchema,
  retryDelaySecondsSchema,
  TASK_DEFAULTS_KEY,
  taskDefaultsSchema,
} from "./workflow-defaults.js";

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

/**
 * Task data, a result or a metadata update: a JSON object, nested at most MAX_JSON_DEPTH
 * deep, copied. Checked by copyJsonObject, which keeps its own stack, never by zod's
 * recursive z.json(): data nested thousands deep would overflow it.
 */
export const jsonObjectInputSchema = z.custom<JsonObject>().transform((value, context) => {
  const copy = copyJsonObject(value);
  if (copy.ok) return copy.value;
  context.addIssue({ code: "custom", message: copy.message, path: copy.path, input: value });
  return z.NEVER;
});

export const taskIdSchema = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");

/** A claim's token as its claim returned it; only its form is checked here, the rule checks the rest. */
const claimTokenSchema = z.string().min(1, "must not be empty").max(MAX_CLAIM_TOKEN_LENGTH, `must be at most ${MAX_CLAIM_TOKEN_LENGTH} characters`);

/** Priorities fit a 32-bit integer, so every store can keep them in an INTEGER column. */
export const MAX_PRIORITY = 2 ** 31 - 1;
export const prioritySchema = z.number().int().min(-MAX_PRIORITY).max(MAX_PRIORITY);
export const MAX_DEPENDENCIES = 100;
export const dependsOnSchema = z.array(taskIdSchema).max(MAX_DEPENDENCIES);
/** A time with its zone (`Z` or an offset), or a Date; stored as ISO UTC. */
export const notBeforeSchema = z.union([z.iso.datetime({ offset: true }), z.date()]).transform((value) => new Date(value));
/** At most a year. */
export const delaySecondsSchema = z.number().min(0).max(365 * 24 * 3600);
export const idempotencyKeySchema = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");

export const createTaskInputSchema = z
  .strictObject({
    type: taskTypeSchema,
    data: jsonObjectInputSchema.optional(),
    parentId: taskIdSchema.nullish(),
    /** Higher is claimed first (default 0). */
    priority: prioritySchema.optional(),
    /** Ids of tasks that must be completed before this one can be claimed. */
    dependsOn: dependsOnSchema.optional(),
    /** Not claimable before this time. */
    notBefore: notBeforeSchema.optional(),
    /** Not claimable for this many seconds (instead of notBefore). */
    delaySeconds: delaySecondsSchema.optional(),
    /** A second create with the same key returns the first task instead of a duplicate. */
    idempotencyKey: idempotencyKeySchema.optional(),
    /** Failed attempts (failures with retry, expired leases) before the task ends failed; default no limit. */
    maxAttempts: maxAttemptsSchema.optional(),
    /** Seconds before the first retry, doubled for each further one; default 0. */
    retryDelaySeconds: retryDelaySecondsSchema.optional(),
    /** Repository paths or globs the task will touch (normalised by core/paths.ts); its claimer holds them. */
    paths: z.array(z.string()).optional(),
  })
  .refine((input) => input.notBefore === undefined || input.delaySeconds === undefined, {
    message: "give notBefore or delaySeconds, not both",
    path: ["delaySeconds"],
  });
export type CreateTaskInput = z.input<typeof createTaskInputSchema>;

const WAIT_RANGE = "must be a number of milliseconds, 0 or more";
export const waitMsSchema = z.number({ error: WAIT_RANGE }).min(0, WAIT_RANGE);

/**
 * A secret the caller keeps for its session: holds of paths belong to a session, so two
 * windows of one client are two holders. Default: one per TaskManager.
 */
export const sessionSchema = z.string().min(16, "must be at least 16 characters").max(200, "must be at most 200 characters");

export const getNextTaskInputSchema = z.strictObject({
  agentId: agentIdSchema,
  taskTypes: z.array(taskTypeSchema).optional(),
  /** The claim's lease; default the workflow's default lease, else the task timeout. */
  leaseSeconds: leaseSecondsSchema.optional(),
  /** When no task is ready, wait up to this long for one (by any process) instead of returning null. */
  waitMs: waitMsSchema.optional(),
  /** Ends a wait early: the call rejects with the signal's reason. */
  signal: z.instanceof(AbortSignal).optional(),
  session: sessionSchema.optional(),
});
export type GetNextTaskInput = z.input<typeof getNextTaskInputSchema>;

const completeTaskFields = z.strictObject({
  taskId: taskIdSchema,
  agentId: agentIdSchema,
  status: z.enum(FINAL_STATUSES).default(TaskStatus.COMPLETED),
  resultData: jsonObjectInputSchema.optional(),
  /** The claim_token the claim returned; a claim made with one is refused to any other (or none). */
  claimToken: claimTokenSchema.optional(),
  /** With status failed: try again later (after the backoff) while attempts remain. */
  retry: z.boolean().optional(),
  /** With status cancelled: cancel the task's pending descendants too. */
  cascade: z.boolean().optional(),
});

/** retry only with failed, cascade only with cancelled. */
function finishRefined<S extends z.ZodType<{ status: string; retry?: boolean | undefined; cascade?: boolean | undefined }>>(schema: S) {
  return schema
    .refine((input) => input.retry !== true || input.status === TaskStatus.FAILED, {
      message: "retry applies only to status failed",
      path: ["retry"],
    })
    .refine((input) => input.cascade !== true || input.status === TaskStatus.CANCELLED, {
      message: "cascade applies only to status cancelled",
      path: ["cascade"],
    });
}

export const completeTaskInputSchema = finishRefined(completeTaskFields);
export type CompleteTaskInput = z.input<typeof completeTaskInputSchema>;

/** completeAndClaimNext: the completion, and how to claim the next task for the same agent (getNextTask's options). */
export const completeAndClaimNextInputSchema = finishRefined(
  completeTaskFields.extend({ next: getNextTaskInputSchema.omit({ agentId: true }).optional() }),
);
export type CompleteAndClaimNextInput = z.input<typeof completeAndClaimNextInputSchema>;

export const heartbeatTaskInputSchema = z.strictObject({
  taskId: taskIdSchema,
  agentId: agentIdSchema,
  /** The claim_token the claim returned. */
  claimToken: claimTokenSchema.optional(),
  /** Renew to now plus this; default the claim's own lease length. */
  leaseSeconds: leaseSecondsSchema.optional(),
});
export type HeartbeatTaskInput = z.input<typeof heartbeatTaskInputSchema>;

export const cancelTaskInputSchema = z.strictObject({
  taskId: taskIdSchema,
  /** Who cancels, recorded in the task's history. */
  agentId: agentIdSchema,
  /** Cancel the task's pending descendants too. */
  cascade: z.boolean().optional(),
  /** Why, recorded in the task's history. */
  reason: z.string().max(1000, "must be at most 1000 characters").optional(),
  /** Also a task an agent holds with time left on its lease: a person's override, recorded as such. */
  force: z.boolean().optional(),
});
export type CancelTaskInput = z.input<typeof cancelTaskInputSchema>;

export const releaseTaskInputSchema = z.strictObject({
  taskId: taskIdSchema,
  agentId: agentIdSchema,
  /** The claim_token the claim returned; not needed with force. */
  claimToken: claimTokenSchema.optional(),
  /** Release whoever holds it (a person unsticking a task); agentId is recorded as who did. */
  force: z.boolean().optional(),
});
export type ReleaseTaskInput = z.input<typeof releaseTaskInputSchema>;

export const DEFAULT_RESERVATION_TTL_SECONDS = 3600;
export const MAX_RESERVATION_TTL_SECONDS = 86_400;
/** A shorter reservation would end before its holder could use it. */
export const MIN_RESERVATION_TTL_SECONDS = 1;
export const reservePathsInputSchema = z.strictObject({
  agentId: agentIdSchema,
  session: sessionSchema.optional(),
  /** Checked and normalised by core/paths.ts; at least one (an empty request was granted, reserving nothing). */
  paths: z.array(z.string()).min(1, "must name at least one path"),
  ttlSeconds: z.number().min(MIN_RESERVATION_TTL_SECONDS).max(MAX_RESERVATION_TTL_SECONDS).default(DEFAULT_RESERVATION_TTL_SECONDS),
  /** Exclusive (default) conflicts with every other holder's hold; shared only with exclusive ones. */
  exclusive: z.boolean().default(true),
  reason: z.string().max(1000, "must be at most 1000 characters").optional(),
  /** The reservation also ends when this task finishes. */
  taskId: taskIdSchema.optional(),
});
export type ReservePathsInput = z.input<typeof reservePathsInputSchema>;

export const releasePathsInputSchema = z.strictObject({
  agentId: agentIdSchema,
  session: sessionSchema.optional(),
  /** All of the caller's reservations when absent. */
  paths: z.array(z.string()).optional(),
});
export type ReleasePathsInput = z.input<typeof releasePathsInputSchema>;

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

/** Metadata is free-form, except `task_defaults`, which must be usable defaults. */
export const metadataPatchSchema = jsonObjectInputSchema.superRefine((patch, context) => {
  if (!Object.hasOwn(patch, TASK_DEFAULTS_KEY)) return;
  const parsed = taskDefaultsSchema.safeParse(patch[TASK_DEFAULTS_KEY]);
  if (parsed.success) return;
  for (const issue of parsed.error.issues) {
    context.addIssue({ code: "custom", message: issue.message, path: [TASK_DEFAULTS_KEY, ...issue.path] });
  }
});

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
