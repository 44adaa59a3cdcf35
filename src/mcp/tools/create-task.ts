import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { renderTask } from "../render.js";
import { compactTask } from "../compact-task.js";
import { jsonObjectArg, taskOutput, toolSchema, workflowArg } from "../schemas.js";
import { createTaskInputOf } from "../task-input.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  task_type: z.string().describe("Kind of work, e.g. analyze (letters, digits, . _ -)"),
  data: jsonObjectArg.optional().describe("What the worker needs (JSON object)"),
  parent_id: z.string().optional().describe("Make it a child of this task"),
  // JSON types only (no .int(): its JSON Schema bounds cost tokens); the core checks the rest.
  priority: z.number().optional().describe("Integer, higher first (default 0)"),
  depends_on: z.array(z.string()).optional().describe("Ids that must complete first"),
  not_before: z.string().optional().describe("ISO time; not claimable before"),
  delay_seconds: z.number().optional().describe("Or: not claimable for N s"),
  idempotency_key: z.string().optional().describe("Same key again returns the same task"),
  max_attempts: z.number().optional().describe("Failures before it fails for good (default no limit)"),
  retry_delay_seconds: z.number().optional().describe("First retry's wait, then doubling (default 0)"),
  paths: z.array(z.string()).optional().describe("Files/globs it will edit"),
};

export function registerCreateTaskTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "create_task",
    {
      title: "Create a task",
      description:
        "Add a pending task of task_type with optional data. parent_id splits a task into child steps; depends_on makes a step wait for others; idempotency_key makes a repeated call safe; paths keeps tasks editing the same files apart.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({ task: taskOutput, already_existed: z.boolean() }),
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { workflow, ...fields } = args;
        const [created] = await context.workflow(workflow).tm.createTasks([createTaskInputOf(fields)]);
        if (!created) throw new Error("createTasks returned no task");
        const { already_existed: existed, ...task } = created;
        const already = existed === true;
        return toolSuccess({ task: compactTask(task), already_existed: already }, `${already ? "already existed" : "created"} ${renderTask(task)}`);
      }),
  );
}
