import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { leaseSecondsArg } from "../range-args.js";
import { claimTokenArg, taskIdArg, toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  task_id: taskIdArg,
  lease_seconds: z.number().optional().describe("Renew by N s (default: the claim's lease)"),
  claim_token: claimTokenArg,
};

export function registerHeartbeatTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "heartbeat_task",
    {
      title: "Keep a claim alive",
      description:
        "Renew your lease on a task you claimed while the work may outlast lease_expires_at; call it well before then. A lapsed lease lets another agent take the task and refuses your complete_task.",
      inputSchema: toolSchema(inputSchema),
      // Compact on purpose: an agent may call this every minute for hours.
      outputSchema: toolSchema({ task_id: z.string(), lease_expires_at: z.string() }),
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        // The claim's token, as for complete_task: the agent's, else the one this server's claim got.
        const claimToken = args.claim_token ?? context.claims.tokenOf(name, args.task_id);
        const task = await tm.heartbeatTask({
          taskId: args.task_id,
          agentId: context.agentId(),
          leaseSeconds: leaseSecondsArg(args.lease_seconds),
          ...(claimToken !== undefined && { claimToken }),
        });
        const leaseExpiresAt = task.lease_expires_at ?? "";
        return toolSuccess({ task_id: task.id, lease_expires_at: leaseExpiresAt }, `${task.id} lease_expires_at=${leaseExpiresAt}`);
      }),
  );
}
