import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { compactTask } from "../compact-task.js";
import { claimedTaskOutput, toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";
import { leaseSecondsArg, MAX_WAIT_SECONDS } from "../range-args.js";
import { claimOrWait } from "./claim-or-wait.js";

const inputSchema = {
  workflow: workflowArg,
  task_types: z.array(z.string()).optional().describe("Only these types (default: any)"),
  lease_seconds: z.number().optional().describe("Claim length (default: workflow's, else task timeout)"),
  wait_seconds: z.number().optional().describe(`None ready: wait up to this long (max ${MAX_WAIT_SECONDS}), don't poll`),
};

export function registerGetNextTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "get_next_task",
    {
      title: "Claim the next task",
      description:
        "Claim the ready task (dependencies done, not scheduled later) of highest priority, oldest first; null when none. Do the work, then complete_task, or release_task if you cannot finish. The claim ends at lease_expires_at: for longer work call heartbeat_task before then.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ task: claimedTaskOutput.nullable() }),
      annotations: ADDITIVE_WRITE,
    },
    (args, extra) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const claim = { agentId: context.agentId(), session: context.session, taskTypes: args.task_types, leaseSeconds: leaseSecondsArg(args.lease_seconds) };
        const task = await claimOrWait(context, tm, claim, args.wait_seconds, extra);
        if (!task) {
          const text = args.wait_seconds ? "no task became ready while waiting; call again to keep waiting" : "no pending task is ready; pass wait_seconds to wait for one";
          return toolSuccess({ task: null }, text);
        }
        context.claims.remember(name, task.id, task.claim_token);
        return toolSuccess(
          { task: compactTask(task) },
          `claimed ${renderTask(task)} lease_expires_at=${task.lease_expires_at ?? "?"} claim_token=${task.claim_token}`,
        );
      }),
  );
}
