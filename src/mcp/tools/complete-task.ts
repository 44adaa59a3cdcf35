import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { asJsonObject, finalStatusArg, jsonObjectArg, taskIdArg, taskOutput, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";
import { finishClaim } from "./finish-claim.js";

const inputSchema = {
  workflow: workflowArg,
  task_id: taskIdArg,
  status: finalStatusArg.optional().describe("Outcome (default completed)"),
  result_data: jsonObjectArg.optional().describe("Your result (JSON object)"),
};

export function registerCompleteTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "complete_task",
    {
      title: "Finish a claimed task",
      description:
        "Finish a task you claimed as completed (default), failed or cancelled, with optional result_data. Only the agent holding the claim may finish it.",
      inputSchema,
      outputSchema: { task: taskOutput },
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const task = await finishClaim(context, name, args.task_id, (claim) =>
          tm.completeTask({ taskId: args.task_id, status: args.status, resultData: asJsonObject(args.result_data), ...claim }),
        );
        return toolSuccess({ task }, `finished ${renderTask(task)}`);
      }),
  );
}
