/**
 * Per-workflow defaults for new tasks and claims, kept in the workflow's metadata
 * under `task_defaults` (set with updateWorkflowMetadata). A key of its own, so
 * metadata that older files keep under other names is never misread as defaults.
 */
import { z } from "zod";
import type { WorkflowMetadata } from "./schema.js";

export const TASK_DEFAULTS_KEY = "task_defaults";

/** The longest lease a claim or heartbeat may ask for: 30 days. */
export const MAX_LEASE_SECONDS = 30 * 24 * 3600;
/** The most attempts a task may be given. */
export const MAX_ATTEMPTS_LIMIT = 1000;
/** The longest base retry delay: 7 days. */
export const MAX_RETRY_DELAY_SETTING_SECONDS = 7 * 24 * 3600;

const LEASE_RANGE = `must be more than 0 and at most ${MAX_LEASE_SECONDS} seconds (30 days)`;
export const leaseSecondsSchema = z.number({ error: LEASE_RANGE }).positive(LEASE_RANGE).max(MAX_LEASE_SECONDS, LEASE_RANGE);
export const maxAttemptsSchema = z.number().int().min(1).max(MAX_ATTEMPTS_LIMIT);
export const retryDelaySecondsSchema = z.number().min(0).max(MAX_RETRY_DELAY_SETTING_SECONDS);

export const taskDefaultsSchema = z.strictObject({
  /** Lease of a claim when get_next_task does not say (otherwise the task timeout). */
  lease_seconds: leaseSecondsSchema.optional(),
  /** max_attempts of a new task that does not say. */
  max_attempts: maxAttemptsSchema.optional(),
  /** retry_delay_seconds of a new task that does not say. */
  retry_delay_seconds: retryDelaySecondsSchema.optional(),
});
export type TaskDefaults = z.infer<typeof taskDefaultsSchema>;

/**
 * The defaults a workflow's metadata holds. Writes are validated strictly; here a
 * value edited by hand into something unusable is ignored field by field rather
 * than making every create or claim fail.
 */
export function readTaskDefaults(metadata: WorkflowMetadata): TaskDefaults {
  const raw = Object.hasOwn(metadata, TASK_DEFAULTS_KEY) ? metadata[TASK_DEFAULTS_KEY] : undefined;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return {};
  const source = raw as Record<string, unknown>;
  const defaults: TaskDefaults = {};
  const lease = leaseSecondsSchema.safeParse(source.lease_seconds);
  if (lease.success) defaults.lease_seconds = lease.data;
  const attempts = maxAttemptsSchema.safeParse(source.max_attempts);
  if (attempts.success) defaults.max_attempts = attempts.data;
  const delay = retryDelaySecondsSchema.safeParse(source.retry_delay_seconds);
  if (delay.success) defaults.retry_delay_seconds = delay.data;
  return defaults;
}
