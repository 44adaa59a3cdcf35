/**
 * complete_task and release_task both end a claim. They pass the token of the claim:
 * the one the agent gave, else the one this server got when it made the claim; and
 * forget the server's once the claim has really ended. After a refusal the stale token
 * is kept: it keeps saying CLAIM_SUPERSEDED, where a call without it would only be
 * told NOT_CLAIM_HOLDER.
 */
import type { Task } from "../../core/schema.js";
import type { ServerContext } from "../context.js";

export async function finishClaim(
  context: ServerContext,
  workflow: string,
  taskId: string,
  given: string | undefined,
  finish: (claim: { agentId: string; claimToken?: string }) => Promise<Task>,
): Promise<Task> {
  const claimToken = given ?? context.claims.tokenOf(workflow, taskId);
  const task = await finish({ agentId: context.agentId(), ...(claimToken !== undefined && { claimToken }) });
  context.claims.forget(workflow, taskId);
  return task;
}
