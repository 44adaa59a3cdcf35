import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { taskOutput, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  task_types: z.array(z.string()).optional().describe("Only these types (default: any)"),
};

export function registerGetNextTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "get_next_task",
    {
      title: "Claim the next task",
      description:
        "Claim the oldest pending task for yourself; task is null when none is pending. Then do the work and call complete_task, or release_task if you cannot finish. Claims older than the task timeout go back to pending.",
      inputSchema,
      outputSchema: { task: taskOutput.nullable() },
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const task = await tm.getNextTask({ agentId: context.agentId(), taskTypes: args.task_types });
        if (!task) return toolSuccess({ task: null }, "no pending task; try again later or create one");
        context.claims.remember(name, task.id, task.attempts);
        return toolSuccess({ task }, `claimed ${renderTask(task)}`);
      }),
  );
}
