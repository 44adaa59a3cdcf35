/**
 * Prompt texts live in `prompts/*.md` so they can be read and edited as documents.
 * A file starts with a small front-matter block:
 *
 *     ---
 *     title: Work the queue as a worker
 *     description: One sentence for the prompt picker.
 *     arguments:
 *       workflow: Workflow to work on (default "default")
 *       goal (required): What the tasks should achieve
 *     ---
 *     Body, where {{goal}} is replaced by the argument and {{workflow|default}} falls back to "default".
 *
 * Only this much syntax is understood; anything else in the block is an error, so a
 * typo shows at startup instead of as a silently missing argument.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
}

export interface PromptFile {
  /** The file name without `.md`: the prompt's name. */
  name: string;
  title: string;
  description: string;
  arguments: PromptArgument[];
  body: string;
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;
const ARGUMENT_LINE = /^\s+([A-Za-z_][A-Za-z0-9_]*)(\s+\(required\))?:\s*(.*)$/;
const FIELD_LINE = /^([a-z_]+):\s*(.*)$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|([^}]*))?\}\}/g;

/** Every `*.md` file of the directory, sorted by name. */
export function loadPromptFiles(dir: string): PromptFile[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".md"))
    .sort()
    .map((file) => parsePromptFile(basename(file, ".md"), readFileSync(join(dir, file), "utf8")));
}

export function parsePromptFile(name: string, source: string): PromptFile {
  const match = FRONT_MATTER.exec(source);
  if (!match) throw new Error(`Prompt "${name}": the file must start with a --- front-matter block.`);
  const prompt: PromptFile = { name, title: name, description: "", arguments: [], body: source.slice(match[0].length).trim() };
  let inArguments = false;
  for (const line of (match[1] ?? "").split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const argument = inArguments ? ARGUMENT_LINE.exec(line) : null;
    if (argument) {
      prompt.arguments.push({ name: argument[1] ?? "", required: argument[2] !== undefined, description: argument[3] ?? "" });
      continue;
    }
    const field = FIELD_LINE.exec(line);
    inArguments = field?.[1] === "arguments";
    if (field?.[1] === "title") prompt.title = field[2] ?? "";
    else if (field?.[1] === "description") prompt.description = field[2] ?? "";
    else if (!inArguments) throw new Error(`Prompt "${name}": cannot read front-matter line ${JSON.stringify(line)}.`);
  }
  return prompt;
}

/** Replaces `{{name}}` by the argument, or by the fallback after `|`, or by nothing. */
export function fillPrompt(body: string, args: Readonly<Record<string, string | undefined>>): string {
  return body.replace(PLACEHOLDER, (_whole, key: string, fallback: string | undefined) => {
    const value = args[key]?.trim();
    return value ? value : (fallback ?? "");
  });
}
