/** Registers every tool. A new tool is one file beside this one and one line here. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ServerContext } from "../context.js";
import { registerCancelTaskTool } from "./cancel-task.js";
import { registerCompleteTaskTool } from "./complete-task.js";
import { registerCreateTaskTool } from "./create-task.js";
import { registerCreateTasksTool } from "./create-tasks.js";
import { registerGetNextTaskTool } from "./get-next-task.js";
import { registerGetTaskChildrenTool } from "./get-task-children.js";
import { registerGetTaskTool } from "./get-task.js";
import { registerHeartbeatTaskTool } from "./heartbeat-task.js";
import { registerListTasksTool } from "./list-tasks.js";
import { registerListWorkflowsTool } from "./list-workflows.js";
import { registerReleasePathsTool } from "./release-paths.js";
import { registerReleaseTaskTool } from "./release-task.js";
import { registerReservePathsTool } from "./reserve-paths.js";
import { registerSummaryTool } from "./summary.js";
import { registerUpdateWorkflowMetadataTool } from "./update-workflow-metadata.js";

export function registerTools(server: McpServer, context: ServerContext): void {
  registerCreateTaskTool(server, context);
  registerCreateTasksTool(server, context);
  registerGetNextTaskTool(server, context);
  registerCompleteTaskTool(server, context);
  registerReleaseTaskTool(server, context);
  registerHeartbeatTaskTool(server, context);
  registerCancelTaskTool(server, context);
  registerReservePathsTool(server, context);
  registerReleasePathsTool(server, context);
  registerGetTaskTool(server, context);
  registerGetTaskChildrenTool(server, context);
  registerListTasksTool(server, context);
  registerSummaryTool(server, context);
  registerUpdateWorkflowMetadataTool(server, context);
  registerListWorkflowsTool(server, context);
}
