import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { asJsonObject, jsonObjectArg, taskOutput, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  task_type: z.string().describe("Kind of work, e.g. analyze (letters, digits, . _ -)"),
  data: jsonObjectArg.optional().describe("What the worker needs (JSON object)"),
  parent_id: z.string().optional().describe("Make it a child of this task"),
};

export function registerCreateTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "create_task",
    {
      title: "Create a task",
      description:
        "Add a pending task of task_type with optional data. Use parent_id to split a task into child steps. Returns the task; its id is how other tools refer to it.",
      inputSchema,
      outputSchema: { task: taskOutput },
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { tm } = context.workflow(args.workflow);
        const [task] = await tm.createTasks([{ type: args.task_type, data: asJsonObject(args.data), parentId: args.parent_id }]);
        if (!task) throw new Error("createTasks returned no task");
        return toolSuccess({ task }, `created ${renderTask(task)}`);
      }),
  );
}
