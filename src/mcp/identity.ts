/**
 * Who is calling. Agents never name themselves in tool arguments: the agent id is
 * fixed by the server's configuration or taken from the MCP client's name in
 * `initialize`, so `locked_by` shows which client holds a task.
 */

export const FALLBACK_AGENT_ID = "mcp-client";
const MAX_AGENT_ID_LENGTH = 64;

/**
 * A client name made safe to store and show: letters, digits and `. _ - @ :` kept,
 * any other run of characters (spaces, slashes, control characters) becomes one `-`.
 */
export function sanitizeAgentId(name: string | undefined): string {
  const cleaned = (name ?? "")
    .replace(/[^A-Za-z0-9._@:-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_AGENT_ID_LENGTH)
    .replace(/-+$/, "");
  return cleaned.length > 0 ? cleaned : FALLBACK_AGENT_ID;
}
