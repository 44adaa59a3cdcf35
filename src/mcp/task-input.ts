/**
 * A task as a tool's arguments give it (snake_case, as agents see it in tools/list) to
 * the library's CreateTaskInput. Shared by create_task and create_tasks, so a task
 * written for one is written the same way for the other.
 */
import { InvalidInputError } from "../core/errors.js";
import type { CreateTaskInput } from "../core/inputs.js";

/** The tool's name of each field, and the library's. */
const FIELDS = {
  task_type: "type",
  data: "data",
  parent_id: "parentId",
  priority: "priority",
  depends_on: "dependsOn",
  not_before: "notBefore",
  delay_seconds: "delaySeconds",
  idempotency_key: "idempotencyKey",
  max_attempts: "maxAttempts",
  retry_delay_seconds: "retryDelaySeconds",
  paths: "paths",
} as const;

/**
 * The CreateTaskInput of one task's arguments. Only the names are checked here (an
 * unknown one is refused, naming `what`); the values are the core's to check.
 */
export function createTaskInputOf(args: Record<string, unknown>, what = "task"): CreateTaskInput {
  const input: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(args)) {
    const name = Object.hasOwn(FIELDS, field) ? FIELDS[field as keyof typeof FIELDS] : undefined;
    if (name === undefined) {
      throw new InvalidInputError(`Invalid ${what}: unknown field "${field}"; a task has ${Object.keys(FIELDS).join(", ")}.`);
    }
    if (value !== undefined) input[name] = value;
  }
  return input as CreateTaskInput;
}
