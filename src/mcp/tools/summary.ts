import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderSummary } from "../render.js";
import { countsOutput, toolSchema, withoutDialect, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { READS } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
};

export function registerSummaryTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "summary",
    {
      title: "Workflow progress",
      description: "Count a workflow's tasks by status and by type. Cheap: use it to check progress instead of listing tasks.",
      inputSchema: toolSchema(inputSchema),
      // Loose: counts the core adds later reach the client without a schema change here.
      outputSchema: withoutDialect(z.looseObject({ workflow: z.string(), total_tasks: z.number(), status_counts: countsOutput, type_counts: countsOutput })),
      annotations: READS,
    },
    (args) =>
      context.run(async () => {
        const { name, tm } = context.workflow(args.workflow);
        const summary = await tm.getStatusSummary();
        return toolSuccess({ workflow: name, ...summary }, renderSummary(name, summary));
      }),
  );
}
