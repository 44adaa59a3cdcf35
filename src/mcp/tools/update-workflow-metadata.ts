import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { asJsonObject, jsonObjectArg, toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";

const inputSchema = {
  workflow: workflowArg,
  metadata: jsonObjectArg.describe("Fields to set (JSON object)"),
};

export function registerUpdateWorkflowMetadataTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "update_workflow_metadata",
    {
      title: "Update workflow metadata",
      description:
        "Merge fields into the workflow's metadata, replacing fields of the same name, and return all of it. For notes every agent should see, such as the goal.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ metadata: z.looseObject({}) }),
      // Replaces same-named fields (destructive); the same patch twice leaves the same metadata.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      context.run(async () => {
        const metadata = await context.workflow(args.workflow).tm.updateWorkflowMetadata(asJsonObject(args.metadata));
        return toolSuccess({ metadata }, `metadata: ${JSON.stringify(metadata)}`);
      }),
  );
}
