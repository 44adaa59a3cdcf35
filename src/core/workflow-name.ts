/**
 * A workflow's name becomes a file name (`<name>.json`) or a key in a database, so
 * it is restricted to a safe alphabet: no separators, no leading dot, nothing that
 * can reach outside the state directory.
 */
import { InvalidInputError } from "./errors.js";

export const WORKFLOW_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const DEFAULT_WORKFLOW = "default";

export function isWorkflowName(name: unknown): name is string {
  return typeof name === "string" && WORKFLOW_NAME_PATTERN.test(name);
}

export function assertWorkflowName(name: unknown): string {
  if (isWorkflowName(name)) return name;
  const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 80)) : typeof name;
  throw new InvalidInputError(
    `Invalid workflow name ${shown}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (for example "default" or "code-review").`,
  );
}
