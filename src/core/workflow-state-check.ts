/**
 * Reading a workflow state that JSON.parse made (a state file). zod checks it, but the
 * state returned is JSON.parse's own objects, not the copy zod builds: zod leaves a
 * "__proto__" key out of every object it builds, so its copy would silently lose a task
 * with that id, which a file from the seed may hold.
 */
import { z } from "zod";
import { storedReservationSchema, storedTaskSchema, workflowMetadataSchema, type WorkflowState } from "./schema.js";

/** Everything of a state but its tasks, which are checked one by one. */
const stateHeadSchema = z.looseObject({
  workflow_type: z.string(),
  metadata: workflowMetadataSchema,
  tasks: z.custom<Record<string, unknown>>((value) => typeof value === "object" && value !== null && !Array.isArray(value), "expected an object of tasks by id"),
  reservations: z.array(storedReservationSchema).optional(),
});

export type StateCheck = { success: true; data: WorkflowState } | { success: false; error: z.ZodError };

/** `json` as a WorkflowState, the same objects with every task and field, or the issues (naming the task) that make it none. */
export function checkWorkflowState(json: unknown): StateCheck {
  const head = stateHeadSchema.safeParse(json);
  if (!head.success) return { success: false, error: head.error };
  const tasks = (json as { tasks: Record<string, unknown> }).tasks;
  const issues: z.core.$ZodIssue[] = [];
  for (const id of Object.keys(tasks)) {
    const task = storedTaskSchema.safeParse(tasks[id]);
    if (!task.success) for (const issue of task.error.issues) issues.push({ ...issue, path: ["tasks", id, ...issue.path] });
  }
  if (issues.length > 0) return { success: false, error: new z.ZodError(issues) };
  return { success: true, data: json as WorkflowState };
}
