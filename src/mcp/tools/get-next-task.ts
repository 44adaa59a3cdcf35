import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { withoutHistory } from "../compact-task.js";
import { taskOutput, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  task_types: z.array(z.string()).optional().describe("Only these types (default: any)"),
  lease_seconds: z.number().optional().describe("Claim length (default: workflow's, else task timeout)"),
};

export function registerGetNextTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "get_next_task",
    {
      title: "Claim the next task",
      description:
        "Claim the ready task (dependencies done, not scheduled later) of highest priority, oldest first; null when none. Do the work, then complete_task, or release_task if you cannot finish. The claim ends at lease_expires_at: for longer work call heartbeat_task before then.",
      inputSchema,
      outputSchema: { task: taskOutput.nullable() },
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const task = await tm.getNextTask({ agentId: context.agentId(), taskTypes: args.task_types, leaseSeconds: args.lease_seconds });
        if (!task) return toolSuccess({ task: null }, "no pending task is ready; try again later or create one");
        context.claims.remember(name, task.id, task.attempts);
        return toolSuccess({ task: withoutHistory(task) }, `claimed ${renderTask(task)} lease_expires_at=${task.lease_expires_at ?? "?"}`);
      }),
  );
}
