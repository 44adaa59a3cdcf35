import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderTasks } from "../render.js";
import { taskIdArg, taskOutput, toolSchema, workflowArg } from "../schemas.js";
import { compactTask } from "../compact-task.js";
import { toolSuccess } from "../tool-result.js";
import { READS } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  task_id: taskIdArg,
};

export function registerGetTaskChildrenTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "get_task_children",
    {
      title: "List a task's children",
      description: "List the tasks created with this task as parent_id, e.g. to see whether all steps of a parent are done.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ tasks: z.array(taskOutput) }),
      annotations: READS,
    },
    (args) =>
      context.run(async () => {
        const { tm } = context.workflow(args.workflow);
        // An unknown parent is a mistake worth reporting, not an empty list.
        await tm.requireTask(args.task_id);
        const tasks = await tm.getTaskChildren(args.task_id);
        return toolSuccess({ tasks: tasks.map(compactTask) }, renderTasks(tasks, `task ${args.task_id} has no children`));
      }),
  );
}
