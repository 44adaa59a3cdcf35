import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ClaimedTask, FinishedTask } from "../../core/schema.js";
import { compactTask } from "../compact-task.js";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { asJsonObject, claimTokenArg, finalStatusArg, jsonObjectArg, taskIdArg, taskOutput, toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";
import { finishClaim } from "./finish-claim.js";
import { NextClaimFailedError } from "../../core/next-claim.js";

const inputSchema = {
  workflow: workflowArg,
  task_id: taskIdArg,
  status: finalStatusArg.optional().describe("Outcome (default completed)"),
  result_data: jsonObjectArg.optional().describe("Your result (JSON object)"),
  retry: z.boolean().optional().describe("With failed: try again later while attempts remain"),
  cascade: z.boolean().optional().describe("With cancelled: cancel its pending descendants too"),
  claim_token: claimTokenArg,
  claim_next: z.boolean().optional().describe("Then claim your next task, as get_next_task"),
};

export function registerCompleteTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "complete_task",
    {
      title: "Finish a claimed task",
      description:
        "Finish a task you claimed: completed (default), failed or cancelled, with optional result_data. After a transient error: failed with retry: true.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ task: taskOutput, cancelled_descendants: z.number().optional(), next: z.looseObject({ id: z.string() }).nullable().optional() }),
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const finish = { taskId: args.task_id, status: args.status, resultData: asJsonObject(args.result_data), retry: args.retry, cascade: args.cascade };
        // Without claim_next: undefined. With it: the next task or null, and why it is null when its claim failed.
        let handed: { next: ClaimedTask | null; failure?: string } | undefined;
        const { cancelled_descendants: cancelled, ...task } = (await finishClaim(context, name, args.task_id, args.claim_token, async (claim) => {
          if (args.claim_next !== true) return tm.completeTask({ ...finish, ...claim });
          try {
            const both = await tm.completeAndClaimNext({ ...finish, ...claim, next: { session: context.session } });
            handed = { next: both.next };
            return both.task;
          } catch (error) {
            // Finished, and only the claim after it failed: an answer about the task, saying so.
            if (!(error instanceof NextClaimFailedError)) throw error;
            handed = { next: null, failure: `${error.code}: ${(error.cause as Error).message}` };
            return error.task;
          }
        })) as FinishedTask; // finishClaim hands back what completeTask returned
        if (handed?.next) context.claims.remember(name, handed.next.id, handed.next.claim_token);
        const cascade = cancelled === undefined ? "" : `; cancelled ${cancelled} pending descendants`;
        return toolSuccess(
          {
            task: compactTask(task),
            ...(cancelled !== undefined && { cancelled_descendants: cancelled }),
            ...(handed !== undefined && { next: handed.next === null ? null : compactTask(handed.next) }),
          },
          `${task.status === "pending" ? "will retry" : "finished"} ${renderTask(task)}${cascade}${handed === undefined ? "" : handedText(handed)}`,
        );
      }),
  );
}

/** What the text says of the next task claim_next asked for. */
function handedText({ next, failure }: { next: ClaimedTask | null; failure?: string }): string {
  if (failure !== undefined) return `; claiming the next failed (${failure}): call get_next_task`;
  if (next === null) return "; no next task is ready";
  return `; claimed ${renderTask(next)} lease_expires_at=${next.lease_expires_at ?? "?"} claim_token=${next.claim_token}`;
}
