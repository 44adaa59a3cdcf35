import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderTasks } from "../render.js";
import { taskOutput, taskStatusArg, toolSchema, workflowArg } from "../schemas.js";
import { compactTask } from "../compact-task.js";
import { toolSuccess } from "../tool-result.js";
import { READS } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  status: taskStatusArg.optional(),
  task_type: z.string().optional(),
  parent_id: z.string().optional(),
  limit: z.number().int().optional().describe("Page size, 1-500 (default 50)"),
  cursor: z.string().optional().describe("next_cursor of the previous page"),
};

export function registerListTasksTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "list_tasks",
    {
      title: "List tasks",
      description:
        "List tasks in creation order, filtered by status, task_type or parent_id, one page at a time; pass next_cursor back as cursor for more (null on the last page). For counts, summary is cheaper.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ tasks: z.array(taskOutput), next_cursor: z.string().nullable() }),
      annotations: READS,
    },
    (args) =>
      context.run(async () => {
        const page = await context.workflow(args.workflow).tm.listTasks({
          status: args.status,
          type: args.task_type,
          parentId: args.parent_id,
          limit: args.limit,
          cursor: args.cursor,
        });
        const more = page.next_cursor === null ? "" : `\nmore: cursor=${page.next_cursor}`;
        return toolSuccess({ tasks: page.tasks.map(compactTask), next_cursor: page.next_cursor }, `${renderTasks(page.tasks, "no tasks match")}${more}`);
      }),
  );
}
