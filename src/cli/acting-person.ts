/**
 * Who a person's override is recorded as in a task's history: `--as WHO`, else
 * "human:<login name>", so the history tells a person's action from an agent's.
 */
import { userInfo } from "node:os";

export function actingPerson(as: string | undefined): string {
  if (as !== undefined) return as; // checked by the library like any agent id
  return `human:${loginName()}`;
}

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (common in containers).
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

export const AS_FLAG_HELP = `  --as WHO                     record the action in the task's history as WHO
                               (default "human:<your login name>")`;
