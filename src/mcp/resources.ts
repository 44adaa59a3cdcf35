/**
 * Workflows as resources: `workflow://{workflow}` is a workflow's summary, metadata, path
 * reservations and first page of tasks (workflow-resource.ts), listed one per workflow in the state
 * directory; `workflow://{workflow}/tasks/{task_id}` is one task. Reading a resource
 * changes nothing. Their JSON is compact: a model reads it, and pays for every space.
 */
import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError, type ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { isTaskManagerError, TaskNotFoundError } from "../core/errors.js";
import { withoutIdleClaim } from "./compact-task.js";
import type { ServerContext } from "./context.js";
import { workflowResourceBody } from "./workflow-resource.js";

const JSON_MIME = "application/json";
/** MCP's code for "no such resource". */
const RESOURCE_NOT_FOUND = -32002;

export function workflowUri(name: string): string {
  return `workflow://${name}`;
}

export function taskUri(workflow: string, taskId: string): string {
  return `${workflowUri(workflow)}/tasks/${encodeURIComponent(taskId)}`;
}

export function registerResources(server: McpServer, context: ServerContext): void {
  const completeWorkflow = async (prefix: string): Promise<string[]> =>
    (await context.workflows.list()).filter((name) => name.startsWith(prefix));

  server.registerResource(
    "workflow",
    new ResourceTemplate("workflow://{workflow}", {
      list: async () => ({
        resources: (await context.workflows.list()).map((name) => ({
          uri: workflowUri(name),
          name,
          title: `Workflow ${name}`,
          mimeType: JSON_MIME,
        })),
      }),
      complete: { workflow: completeWorkflow },
    }),
    {
      title: "Workflow",
      description: "A workflow's summary, metadata, path reservations and first page of tasks as JSON, with the list_tasks cursor for the rest.",
      mimeType: JSON_MIME,
    },
    (uri, variables) =>
      readAsResource(async () => {
        const name = single(variables["workflow"]);
        if (!(await context.workflows.exists(name))) {
          throw notFound(`No workflow "${name}" in the state directory; list_workflows shows the workflows.`);
        }
        const body = await workflowResourceBody(context.workflows, name); // a corrupt workflow is reported, not served
        return { contents: [{ uri: uri.href, mimeType: JSON_MIME, text: JSON.stringify(body) }] };
      }),
  );

  server.registerResource(
    "task",
    new ResourceTemplate("workflow://{workflow}/tasks/{task_id}", {
      list: undefined, // a workflow may hold many thousands of tasks; list_tasks pages them
      complete: { workflow: completeWorkflow },
    }),
    { title: "Task", description: "One task of a workflow as JSON.", mimeType: JSON_MIME },
    (uri, variables) =>
      readAsResource(async () => {
        const task = await context.workflows.get(single(variables["workflow"])).requireTask(single(variables["task_id"]));
        return { contents: [{ uri: uri.href, mimeType: JSON_MIME, text: JSON.stringify(withoutIdleClaim(task)) }] };
      }),
  );
}

/** A URI variable as one string; the name and id checks downstream refuse anything odd. */
function single(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed %-escapes: left as they are, and refused as a name or id
  }
}

function notFound(message: string): McpError {
  return new McpError(RESOURCE_NOT_FOUND, message);
}

/** Resource reads answer with a JSON-RPC error; its message starts with the library's code. */
async function readAsResource(read: () => Promise<ReadResourceResult>): Promise<ReadResourceResult> {
  try {
    return await read();
  } catch (error) {
    if (!isTaskManagerError(error)) throw error;
    const message = `${error.code}: ${error.message}`;
    if (error instanceof TaskNotFoundError) throw notFound(message);
    throw new McpError(error.code === "INVALID_INPUT" ? ErrorCode.InvalidParams : ErrorCode.InternalError, message);
  }
}
