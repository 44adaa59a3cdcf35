import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { withoutIdleClaim } from "../compact-task.js";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { taskIdArg, taskOutput, toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { READS } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  task_id: taskIdArg,
};

export function registerGetTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "get_task",
    {
      title: "Read a task",
      description: "Read one task by id: its status, holder, data, result, why it is blocked, and its history.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ task: taskOutput }),
      annotations: READS,
    },
    (args) =>
      context.run(async () => {
        const task = await context.workflow(args.workflow).tm.requireTask(args.task_id);
        return toolSuccess({ task: withoutIdleClaim(task) }, renderTask(task));
      }),
  );
}
