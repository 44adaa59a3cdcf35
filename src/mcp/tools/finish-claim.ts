/**
 * complete_task and release_task both end a claim. They pass the attempt number of
 * the claim this server made, so a superseded claim is refused, and forget it only
 * once the claim has really ended. After a refusal the stale attempt is kept: it
 * keeps refusing, where calling without it would let the holder's name alone decide,
 * and two windows of one client share a name.
 */
import type { Task } from "../../core/schema.js";
import type { ServerContext } from "../context.js";

export async function finishClaim(
  context: ServerContext,
  workflow: string,
  taskId: string,
  finish: (claim: { agentId: string; attempt?: number }) => Promise<Task>,
): Promise<Task> {
  const attempt = context.claims.attemptOf(workflow, taskId);
  const task = await finish({ agentId: context.agentId(), ...(attempt !== undefined && { attempt }) });
  context.claims.forget(workflow, taskId);
  return task;
}
