/**
 * A seed state file whose task ids are names of Object.prototype: ids this package
 * makes are `<type>_<8 hex>`, but a file from the seed may hold any id.
 */
import type { StoredTask } from "../../src/index.js";
import { pendingTask } from "./stored-task.js";

export const PROTOTYPE_IDS = ["__proto__", "constructor", "toString", "hasOwnProperty"] as const;

function seedTask(id: string, fields: Partial<StoredTask> = {}): StoredTask {
  return pendingTask({ type: "step", created_at: "2024-01-01T00:00:00.000000Z", data: { which: id }, ...fields });
}

/**
 * A state file as the seed writes it, its tasks under the four ids: `constructor` a child
 * of `__proto__`, `toString` waiting on it. Written as text: an object literal (or
 * JSON.stringify of one built by assignment) would lose the "__proto__" task itself.
 */
export function prototypeIdsStateFile(): string {
  const tasks = new Map<string, StoredTask>([
    ["__proto__", seedTask("__proto__")],
    ["constructor", seedTask("constructor", { parent_id: "__proto__" })],
    ["toString", seedTask("toString", { depends_on: ["__proto__"] })],
    ["hasOwnProperty", seedTask("hasOwnProperty")],
  ]);
  const members = [...tasks].map(([id, task]) => `    ${JSON.stringify(id)}: ${JSON.stringify(task)}`);
  const metadata = { initialized_at: "2024-01-01T00:00:00.000000Z", last_updated: "2024-01-01T00:00:00.000000Z" };
  return `{\n  "workflow_type": "generic",\n  "metadata": ${JSON.stringify(metadata)},\n  "tasks": {\n${members.join(",\n")}\n  }\n}\n`;
}
