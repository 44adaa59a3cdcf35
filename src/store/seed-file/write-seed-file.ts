/**
 * Writes a workflow in the seed's state-file format, a task at a time: byte for byte
 * what the JSON store writes for the same state (`JSON.stringify(state, null, 2)` and
 * a newline), so an export is a state file the JSON store, the Python module and
 * `import` all read.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { WorkflowExport } from "../../core/workflow-transfer.js";

/** Text is gathered into chunks of about this size before it is written. */
const CHUNK_CHARS = 256 * 1024;

/** Writes `exported` to `out` (not ended); calls `onTask` after each task; returns how many tasks. */
export async function writeSeedFile(exported: WorkflowExport, out: Writable, onTask?: (count: number) => void): Promise<number> {
  let pending = "";
  const flush = async (): Promise<void> => {
    if (pending === "") return;
    const chunk = pending;
    pending = "";
    if (!out.write(chunk)) await once(out, "drain");
  };
  // The header as JSON.stringify lays it out, with "tasks" last and still empty.
  const head = JSON.stringify({ ...exported.header, tasks: {} }, null, 2);
  const emptyTasks = '\n  "tasks": {}\n}';
  if (!head.endsWith(emptyTasks)) throw new Error("the workflow header has a field named tasks");
  pending = `${head.slice(0, -emptyTasks.length)}\n  "tasks": {`;
  let count = 0;
  for await (const [id, task] of exported.tasks) {
    pending += `${count === 0 ? "" : ","}\n    ${JSON.stringify(id)}: ${JSON.stringify(task, null, 2).replace(/\n/g, "\n    ")}`;
    count += 1;
    onTask?.(count);
    if (pending.length >= CHUNK_CHARS) await flush();
  }
  pending += count === 0 ? "}\n}\n" : "\n  }\n}\n";
  await flush();
  return count;
}
