import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { DEFAULT_RESERVATION_TTL_SECONDS } from "../../core/inputs.js";
import type { PathConflict } from "../../core/path-holds.js";
import type { ReservationResult } from "../../core/path-reservations.js";
import type { ServerContext } from "../context.js";
import { ttlSecondsArg } from "../range-args.js";
import { toolSchema, workflowArg } from "../schemas.js";
import { toolSuccess } from "../tool-result.js";
import { ADDITIVE_WRITE } from "./annotations.js";

const inputSchema = {
  workflow: workflowArg,
  paths: z.array(z.string()).describe("Repo-relative files, dirs or globs"),
  ttl_seconds: z.number().optional().describe(`Ends after N s (default ${DEFAULT_RESERVATION_TTL_SECONDS})`),
  exclusive: z.boolean().optional().describe("false: shared (default true)"),
  reason: z.string().optional(),
  task_id: z.string().optional().describe("Also ends when this task finishes"),
};

const conflictOutput = z.object({
  path: z.string(),
  held_path: z.string(),
  held_by: z.string(),
  expires_at: z.string().nullable(),
  task_id: z.string().nullable(),
});

export function registerReservePathsTool(server: McpServer, context: ServerContext): void {
  server.registerTool(
    "reserve_paths",
    {
      title: "Reserve files",
      description:
        "Before editing files outside a task, reserve them, all or nothing; release_paths when done. Not granted: nothing reserved, conflicts say who holds what until when. Reserve again to renew.",
      inputSchema: toolSchema(inputSchema),
      outputSchema: toolSchema({
        granted: z.boolean(),
        reservations: z.array(z.looseObject({ path: z.string(), expires_at: z.string() })),
        conflicts: z.array(conflictOutput),
      }),
      annotations: ADDITIVE_WRITE,
    },
    (args) =>
      context.run(async () => {
        const { tm } = context.workflow(args.workflow);
        const result = await tm.reservePaths({
          agentId: context.agentId(),
          session: context.session,
          paths: args.paths,
          ttlSeconds: ttlSecondsArg(args.ttl_seconds),
          exclusive: args.exclusive,
          reason: args.reason,
          taskId: args.task_id,
        });
        return toolSuccess({ ...result }, renderReservation(result, context.agentId()));
      }),
  );
}

function renderReservation({ granted, reservations, conflicts }: ReservationResult, self: string): string {
  if (!granted) {
    return [`NOT granted: nothing was reserved. ${conflicts.length === 1 ? "A path is" : "Paths are"} held by others:`, ...conflicts.map((conflict) => renderConflict(conflict, self))].join("\n");
  }
  const until = reservations[0]?.expires_at ?? "?";
  const shared = reservations.some((r) => !r.exclusive) ? " (shared)" : "";
  return `reserved ${reservations.map((r) => r.path).join(", ")}${shared} until ${until}; release_paths when done`;
}

/** One line per conflict; a hold under the caller's own name is another session's (another window of the client). */
function renderConflict(conflict: PathConflict, self: string): string {
  const held = conflict.held_path === conflict.path ? "" : ` (as ${conflict.held_path})`;
  const task = conflict.task_id === null ? "" : ` for task ${conflict.task_id}`;
  const until = conflict.expires_at === null ? "until its task finishes" : `until ${conflict.expires_at}`;
  const who = conflict.held_by === self ? `${self} (another session)` : conflict.held_by;
  return `${conflict.path}${held}: held by ${who}${task} ${until}`;
}
