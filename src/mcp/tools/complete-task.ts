import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { FinishedTask } from "../../core/schema.js";
import { compactTask } from "../compact-task.js";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { asJsonObject, claimTokenArg, finalStatusArg, jsonObjectArg, taskIdArg, taskOutput, toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";
import { finishClaim } from "./finish-claim.js";

const inputSchema = {
  workflow: workflowArg,
  task_id: taskIdArg,
  status: finalStatusArg.optional().describe("Outcome (default completed)"),
  result_data: jsonObjectArg.optional().describe("Your result (JSON object)"),
  retry: z.boolean().optional().describe("With failed: try again later while attempts remain"),
  cascade: z.boolean().optional().describe("With cancelled: cancel its pending descendants too"),
  claim_token: claimTokenArg,
};

export function registerCompleteTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "complete_task",
    {
      title: "Finish a claimed task",
      description:
        "Finish a task you claimed as completed (default), failed or cancelled, with optional result_data. After a transient error use failed with retry: true.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ task: taskOutput, cancelled_descendants: z.number().optional() }),
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const { cancelled_descendants: cancelled, ...task } = (await finishClaim(context, name, args.task_id, args.claim_token, (claim) =>
          tm.completeTask({
            taskId: args.task_id,
            status: args.status,
            resultData: asJsonObject(args.result_data),
            retry: args.retry,
            cascade: args.cascade,
            ...claim,
          }),
        )) as FinishedTask; // finishClaim hands back what completeTask returned
        const cascade = cancelled === undefined ? "" : `; cancelled ${cancelled} pending descendants`;
        return toolSuccess(
          { task: compactTask(task), ...(cancelled !== undefined && { cancelled_descendants: cancelled }) },
          `${task.status === "pending" ? "will retry" : "finished"} ${renderTask(task)}${cascade}`,
        );
      }),
  );
}
