/**
 * Honest tool annotations. Everything here touches only the local state directory,
 * so no tool is open-world. The MCP defaults assume a write is destructive, so
 * writes that only add or record say so explicitly.
 */
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";

/** Reads: change nothing. */
export const READS: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };

/** Writes that add a task or record an outcome without losing anything; repeating them does more. */
export const ADDITIVE_WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};
