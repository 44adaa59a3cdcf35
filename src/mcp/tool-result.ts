/**
 * The two shapes a tool call ends in: a result (structured content for programs
 * plus a compact text rendering for the model), or a refusal (`isError: true` and
 * `CODE: what to do`). Refusals carry no structuredContent, so clients do not
 * check them against the output schema.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { isTaskManagerError } from "../core/errors.js";
import { isStackOverflow, TOO_DEEP_PROBLEM } from "../core/stack-overflow.js";
import type { Log } from "./log.js";

export function toolSuccess(structured: Record<string, unknown>, text: string): CallToolResult {
  return { structuredContent: structured, content: [{ type: "text", text }] };
}

export function toolFailure(error: unknown, log: Log): CallToolResult {
  return { isError: true, content: [{ type: "text", text: describeFailure(error, log) }] };
}

function describeFailure(error: unknown, log: Log): string {
  if (isTaskManagerError(error)) return `${error.code}: ${error.message}`;
  // Rendering a task nested thousands deep, which only a hand edit can store: the workflow's problem, not a bug.
  if (isStackOverflow(error)) return `STATE_FILE_CORRUPT: The workflow is corrupt (${TOO_DEEP_PROBLEM}).`;
  // Not a refusal of the domain: a file system problem or a bug. The agent gets the
  // gist; the operator gets the whole story on stderr.
  log(`unexpected error in a tool call: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return `${typeof code === "string" ? code : "INTERNAL_ERROR"}: ${message}`;
}
