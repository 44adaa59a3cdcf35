import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { taskIdArg, toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";

const inputSchema = {
  workflow: workflowArg,
  task_id: taskIdArg,
  cascade: z.boolean().optional().describe("Cancel its pending descendants too"),
  reason: z.string().optional().describe("Why (kept in history)"),
};

export function registerCancelTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "cancel_task",
    {
      title: "Cancel a task nobody holds",
      description:
        "Cancel a task nobody holds (pending, or its lease ran out) that is no longer needed; cascade: true cancels its pending subtree too. For a task you hold, use complete_task with status cancelled.",
      inputSchema: toolSchema(inputSchema),
      // Compact: the caller knows the task; it needs the outcome.
      outputSchema: toolSchema({ task_id: z.string(), status: z.string(), cancelled_descendants: z.number().optional() }),
      // Ends a task for good: destructive; cancelling again is refused rather than repeated.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const { cancelled_descendants: cancelled, ...task } = await tm.cancelTask({
          taskId: args.task_id,
          agentId: context.agentId(),
          cascade: args.cascade,
          reason: args.reason,
        });
        context.claims.forget(name, task.id); // had this server claimed it once, that claim is over
        const cascade = cancelled === undefined ? "" : `; cancelled ${cancelled} pending descendants`;
        return toolSuccess(
          { task_id: task.id, status: task.status, ...(cancelled !== undefined && { cancelled_descendants: cancelled }) },
          `cancelled ${renderTask(task)}${cascade}`,
        );
      }),
  );
}
