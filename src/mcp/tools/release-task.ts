import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { compactTask } from "../compact-task.js";
import { claimTokenArg, taskIdArg, taskOutput, toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";
import { finishClaim } from "./finish-claim.js";

const inputSchema = {
  workflow: workflowArg,
  task_id: taskIdArg,
  claim_token: claimTokenArg,
};

export function registerReleaseTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "release_task",
    {
      title: "Give a claimed task back",
      description: "Return a task you claimed to pending so another agent can take it, when you cannot finish it.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ task: taskOutput }),
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const task = await finishClaim(context, name, args.task_id, args.claim_token, (claim) => tm.releaseTask({ taskId: args.task_id, ...claim }));
        return toolSuccess({ task: compactTask(task) }, `released ${renderTask(task)}`);
      }),
  );
}
