import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { isTaskManagerError } from "../../core/errors.js";
import type { ServerContext } from "../context.js";
import { renderCounts } from "../render.js";
import { workflowUri } from "../resources.js";
import { countsOutput, toolSchema } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { READS } from "./annotations.js";

const workflowEntry = z.object({
  name: z.string(),
  uri: z.string(),
  total_tasks: z.number().optional(),
  status_counts: countsOutput.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
type WorkflowEntry = z.infer<typeof workflowEntry>;

export function registerListWorkflowsTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "list_workflows",
    {
      title: "List workflows",
      description: "List the workflows in the state directory with task counts. One whose file cannot be read is listed with an error.",
      inputSchema: toolSchema({}),
      outputSchema: toolSchema({ workflows: z.array(workflowEntry) }),
      annotations: READS,
    },
    () =>
      context.run(async () => {
        const names = await context.workflows.list();
        const workflows = await Promise.all(names.map((name) => describeWorkflow(context, name)));
        const text = workflows
          .map((w) => (w.error ? `${w.name}: ${w.error.code}` : `${w.name}: ${w.total_tasks} tasks (${renderCounts(w.status_counts ?? {})})`))
          .join("\n");
        return toolSuccess({ workflows }, text || "no workflows yet; create_task starts one");
      }),
  );
}

/** One workflow's counts; a corrupt one is reported, not allowed to hide the others. */
async function describeWorkflow(context: ServerContext, name: string): Promise<WorkflowEntry> {
  const uri = workflowUri(name);
  try {
    const { total_tasks, status_counts } = await context.workflows.get(name).getStatusSummary();
    return { name, uri, total_tasks, status_counts };
  } catch (error) {
    if (!isTaskManagerError(error)) throw error;
    return { name, uri, error: { code: error.code, message: error.message } };
  }
}
