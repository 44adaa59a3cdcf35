/**
 * complete_task and release_task both end a claim this server made. They pass the
 * claim's attempt number so a superseded claim is refused, and forget the claim
 * once it is over, whichever way it ended.
 */
import { isTaskManagerError, type ErrorCode } from "../../core/errors.js";
import type { Task } from "../../core/schema.js";
import type { ServerContext } from "../context.js";

/** Refusals after which our claim is certainly gone. */
const CLAIM_IS_OVER: readonly ErrorCode[] = ["CLAIM_SUPERSEDED", "NOT_CLAIM_HOLDER", "TASK_NOT_IN_PROGRESS", "TASK_NOT_FOUND"];

export async function finishClaim(
  context: ServerContext,
  workflow: string,
  taskId: string,
  finish: (claim: { agentId: string; attempt?: number }) => Promise<Task>,
): Promise<Task> {
  const attempt = context.claims.attemptOf(workflow, taskId);
  try {
    const task = await finish({ agentId: context.agentId(), ...(attempt !== undefined && { attempt }) });
    context.claims.forget(workflow, taskId);
    return task;
  } catch (error) {
    if (isTaskManagerError(error) && CLAIM_IS_OVER.includes(error.code)) context.claims.forget(workflow, taskId);
    throw error;
  }
}
