import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";
import type { CreatedTask } from "../../core/schema.js";
import type { ServerContext } from "../context.js";
import { jsonObjectArg, toolSchema, workflowArg } from "../schemas.js";
import { createTaskInputOf } from "../task-input.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";

/** Enough for any plan an agent writes, small enough that one call cannot hold the workflow's lock for long. */
export const MAX_TASKS_PER_CALL = 1000;

const inputSchema = {
  workflow: workflowArg,
  // Items are typed loosely (each field's schema again would double create_task's size in
  // tools/list); createTaskInputOf refuses unknown fields and the core checks the values.
  tasks: z.array(jsonObjectArg).describe('Each with create_task\'s fields; "#N" in parent_id or depends_on is task N (from 0) of this call'),
};

export function registerCreateTasksTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "create_tasks",
    {
      title: "Create many tasks",
      description: `Add up to ${MAX_TASKS_PER_CALL} tasks in one call, all or none: a goal split into steps at once. Returns their ids in order.`,
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ ids: z.array(z.string()), already_existed: z.array(z.string()) }),
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        if (args.tasks.length > MAX_TASKS_PER_CALL) {
          throw new InvalidInputError(`Invalid tasks: ${args.tasks.length} in one call, over the limit of ${MAX_TASKS_PER_CALL}; split them into several calls.`);
        }
        const inputs = args.tasks.map((task, index) => createTaskInputOf(task, `task ${index + 1}`));
        const created = await context.workflow(args.workflow).tm.createTasks(inputs);
        const existed = created.filter((task) => task.already_existed === true).map((task) => task.id);
        const heading = `created ${created.length - existed.length}${existed.length > 0 ? `, ${existed.length} already existed` : ""}`;
        return toolSuccess({ ids: created.map((task) => task.id), already_existed: existed }, [heading, ...created.map(renderLine)].join("\n"));
      }),
  );
}

/** One short line per task: an agent needs the ids it will refer to, not its own data back. */
function renderLine(task: CreatedTask, index: number): string {
  const parts = [`#${index} ${task.id} type=${task.type}`];
  if (task.parent_id !== null) parts.push(`parent=${task.parent_id}`);
  if (task.depends_on !== undefined) parts.push(`depends_on=${task.depends_on.join(",")}`);
  if (task.already_existed === true) parts.push(`(already existed, ${task.status})`);
  return parts.join(" ");
}
