/**
 * Finds a task by id for `show`, `release` and `cancel`: in the workflow named with
 * --workflow, or else in every workflow of the state directory, so a person can paste
 * an id from a log without knowing where it lives.
 */
import { isTaskManagerError } from "../core/errors.js";
import type { Task } from "../core/schema.js";
import { existingWorkflow, type CommandContext } from "./command.js";
import { NotFoundError } from "./not-found-error.js";
import { UsageError } from "./usage-error.js";

export interface FoundTask {
  workflow: string;
  task: Task;
}

export async function findTask(context: CommandContext, taskId: string, workflow: string | undefined): Promise<FoundTask> {
  if (workflow !== undefined) {
    const name = await existingWorkflow(context, workflow);
    return { workflow: name, task: await context.workflows.get(name).requireTask(taskId) };
  }
  const found: FoundTask[] = [];
  const unreadable: string[] = [];
  for (const name of await context.workflows.list()) {
    try {
      const task = await context.workflows.get(name).getTask(taskId);
      if (task) found.push({ workflow: name, task });
    } catch (error) {
      // A corrupt workflow must not hide the task in the others; it is named if nothing is found.
      if (!isTaskManagerError(error)) throw error;
      unreadable.push(name);
    }
  }
  const [first, second] = found;
  if (first && second) {
    throw new UsageError(
      `task "${taskId}" is in several workflows (${found.map((f) => f.workflow).join(", ")}); choose one with --workflow.`,
    );
  }
  if (first) return first;
  const skipped = unreadable.length > 0 ? ` (${unreadable.join(", ")} could not be read)` : "";
  throw new NotFoundError(
    "TASK_NOT_FOUND",
    `no task "${taskId}" in any workflow in ${context.config.stateDir}${skipped}; "task-manager-mcp tasks W" lists a workflow's ids.`,
  );
}
