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
        let next: ClaimedTask | null | undefined;
        let nextFailure: string | undefined;
        const { cancelled_descendants: cancelled, ...task } = (await finishClaim(context, name, args.task_id, args.claim_token, async (claim) => {
          if (args.claim_next !== true) return tm.completeTask({ ...finish, ...claim });
          try {
            const both = await tm.completeAndClaimNext({ ...finish, ...claim, next: { session: context.session } });
            next = both.next;
            return both.task;
          } catch (error) {
            // Finished, and only the claim after it failed: an answer about the task, saying so.
            if (!(error instanceof NextClaimFailedError)) throw error;
            next = null;
            nextFailure = `${error.code}: ${(error.cause as Error).message}`;
            return error.task;
          }
        })) as FinishedTask; // finishClaim hands back what completeTask returned
        if (next) context.claims.remember(name, next.id, next.claim_token);
        const cascade = cancelled === undefined ? "" : `; cancelled ${cancelled} pending descendants`;
        const claimed =
          next === undefined ? "" : nextFailure !== undefined ? `; claiming the next failed (${nextFailure}): call get_next_task` : next === null ? "; no next task is ready" : `; claimed ${renderTask(next)} lease_expires_at=${next.lease_expires_at ?? "?"} claim_token=${next.claim_token}`;
        return toolSuccess(
          {
            task: compactTask(task),
            ...(cancelled !== undefined && { cancelled_descendants: cancelled }),
            ...(next !== undefined && { next: next === null ? null : compactTask(next) }),
          },
          `${task.status === "pending" ? "will retry" : "finished"} ${renderTask(task)}${cascade}${claimed}`,
        );
      }),
  );
}
