/**
 * completeAndClaimNext where the claim is a call of its own after the completion (a store without
 * the one change, PostgreSQL off its fast path, a wait for the next task): the task is finished
 * by then, so a failing claim must not read as a failed completion. Its error keeps its code and
 * says that the task was finished, which `task` holds.
 */
import { TaskManagerError, isTaskManagerError } from "./errors.js";
import type { ClaimedTask, FinishedAndNext, FinishedTask } from "./schema.js";

export class NextClaimFailedError extends TaskManagerError {
  constructor(
    readonly task: FinishedTask,
    cause: TaskManagerError,
  ) {
    super(cause.code, `Task "${task.id}" is ${task.status}, but claiming the next task failed: ${cause.message} Claim it with get_next_task.`, { cause });
  }
}

/** The finished task and the claim `claim` makes; a coded failure of the claim as a NextClaimFailedError. */
export async function claimAfterFinishing(task: FinishedTask, claim: () => Promise<ClaimedTask | null>): Promise<FinishedAndNext> {
  try {
    return { task, next: await claim() };
  } catch (error) {
    throw isTaskManagerError(error) ? new NextClaimFailedError(task, error) : error;
  }
}
