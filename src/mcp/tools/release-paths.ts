import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  paths: z.array(z.string()).optional().describe("As reserved (default: all yours)"),
};

export function registerReleasePathsTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "release_paths",
    {
      title: "Release reserved files",
      description: "End this session's reservations of paths (all of them without paths), once done editing, so others may take them.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ released: z.array(z.string()) }),
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { released } = await context.workflow(args.workflow).tm.releasePaths({
          agentId: context.agentId(),
          session: context.session,
          paths: args.paths,
        });
        return toolSuccess({ released }, released.length === 0 ? "released nothing: you held none of these" : `released ${released.join(", ")}`);
      }),
  );
}
