/** Serves the Markdown prompts of the package's `prompts/` directory over MCP. */
import { join } from "node:path";
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ServerContext } from "./context.js";
import { packageRoot } from "./package-info.js";
import { fillPrompt, loadPromptFiles, type PromptArgument } from "./prompt-files.js";

export const DEFAULT_PROMPTS_DIR = join(packageRoot, "prompts");

export function registerPrompts(server: McpServer, context: ServerContext, dir = DEFAULT_PROMPTS_DIR): void {
  for (const prompt of loadPromptFiles(dir)) {
    const argsSchema = Object.fromEntries(prompt.arguments.map((argument) => [argument.name, argumentSchema(argument, context)]));
    server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema }, (args) => ({
      description: prompt.description,
      messages: [{ role: "user", content: { type: "text", text: fillPrompt(prompt.body, args as Record<string, string | undefined>) } }],
    }));
  }
}

function argumentSchema(argument: PromptArgument, context: ServerContext) {
  const schema = (argument.required ? z.string() : z.string().optional()).describe(argument.description);
  if (argument.name !== "workflow") return schema;
  // Offer the workflows that exist as completions.
  return completable(schema, async (prefix) => (await context.workflows.list()).filter((name) => name.startsWith(prefix ?? "")));
}
