/**
 * The layout reader reuses what it read before (layout.ts). Whatever another writer does
 * between two reads — change tasks, add, remove, reorder, repeat an id under an escape,
 * change the header, write compact JSON — what it reads must be exactly what a whole-file
 * JSON.parse reads: the same ids in the same order, the same tasks, the same header.
 */
import { describe, expect, it } from "vitest";
import { parseWhole, readLayout, type Version } from "../../../src/store/json/layout.js";
import { taskIdsOf } from "../../../src/core/task-order.js";
import type { WorkflowState } from "../../../src/index.js";

/** A small deterministic PRNG, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function task(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type, status: "pending", parent_id: null, locked_by: null, locked_at: null, created_at: "2024-01-01T00:00:00.000Z", completed_at: null, data: {}, ...extra };
}

/** What a reader sees: ids in order, each task, the tasks object's own keys, and the other fields. */
function view(state: WorkflowState): unknown {
  const { tasks, ...header } = state;
  const ids = taskIdsOf(state);
  return { ids: [...ids], tasks: ids.map((id) => tasks[id]), keys: Object.keys(tasks).sort(), header: JSON.parse(JSON.stringify(header)) };
}

describe("the layout reader", () => {
  it("reads every version another writer makes as a whole-file JSON.parse reads it (2,000 random edits)", () => {
    const next = random(17);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    let tasks: [string, Record<string, unknown>][] = Array.from({ length: 30 }, (_, i) => [`t_${i}`, task("work", { data: { i } })]);
    let metadata: Record<string, unknown> = { initialized_at: "a", last_updated: "b" };
    let previous: Version | null = null;
    for (let round = 0; round < 2_000; round++) {
      const edit = pick(["change", "change", "change", "add", "remove", "swap", "header", "escape-duplicate", "compact"]);
      const at = Math.floor(next() * tasks.length);
      if (edit === "change" && tasks[at]) tasks[at] = [tasks[at][0], task(pick(["a", "b", "c"]), { data: { round, text: pick(["x", '": {\n    }', "\u2028"]) } })];
      if (edit === "add") tasks.push([pick([`n_${round}`, `weird "${round}"`, `\\${round}`, "__proto__"]), task("new")]);
      if (edit === "remove" && tasks.length > 1) tasks.splice(at, 1);
      if (edit === "swap" && tasks.length > 1) [tasks[0], tasks[at]] = [tasks[at] as [string, Record<string, unknown>], tasks[0] as [string, Record<string, unknown>]];
      if (edit === "header") metadata = { ...metadata, note: round };
      tasks = tasks.filter(([id], index) => tasks.findIndex(([other]) => other === id) === index); // a writer's state has each id once
      const state = { workflow_type: "generic", metadata, tasks: Object.fromEntries(tasks) };
      let text = edit === "compact" ? JSON.stringify(state) : `${JSON.stringify(state, null, 2)}\n`;
      // The same id twice, the second under an escape: JSON.parse keeps the last, at the first's place.
      if (edit === "escape-duplicate" && tasks.length > 1) {
        const [first] = tasks[0] as [string, unknown];
        const [second] = tasks[1] as [string, unknown];
        const escaped = JSON.stringify(first).replace(/[a-z]/, (letter) => `\\u00${letter.charCodeAt(0).toString(16)}`);
        text = text.replace(`\n    ${JSON.stringify(second)}: {`, `\n    ${escaped}: {`);
      }
      const bytes = Buffer.from(text);
      const expected = view(parseWhole("wf.json", bytes));
      const read = readLayout("wf.json", bytes, previous);
      expect(view(read.state), `round ${round} (${edit})`).toEqual(expected);
      previous = read;
    }
  });
});
