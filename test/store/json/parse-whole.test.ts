/**
 * The whole-file reading of a state file (parseWhole) with the core's rules over what it
 * returns: how the JSON store reads a file not in its own layout (by hand, by the seed).
 */
import { describe, expect, it } from "vitest";
import type { StoredTask } from "../../../src/index.js";
import * as rules from "../../../src/core/workflow-rules.js";
import { parseWhole } from "../../../src/store/json/layout.js";
import { depthOf, nestedText } from "../../helpers/deep-json.js";
import { PROTOTYPE_IDS, prototypeIdsStateFile } from "../../helpers/prototype-ids.js";

const now = new Date("2024-06-01T00:00:00Z");
const staleAfterMs = 3_600_000;

describe("parseWhole with task ids that are names of Object.prototype", () => {
  it("keeps every task, as an own key, with its fields in the file's order", () => {
    const state = parseWhole("wf.json", Buffer.from(prototypeIdsStateFile()));
    expect(Object.keys(state.tasks)).toEqual([...PROTOTYPE_IDS]);
    for (const id of PROTOTYPE_IDS) expect(Object.getOwnPropertyDescriptor(state.tasks, id)?.value).toMatchObject({ data: { which: id } });
    expect(Object.keys(Object.getOwnPropertyDescriptor(state.tasks, "constructor")?.value as StoredTask).slice(0, 3)).toEqual(["type", "status", "parent_id"]);
  });

  it("gives the rules every task to read, claim and finish, and a write of the state keeps them", () => {
    const state = parseWhole("wf.json", Buffer.from(prototypeIdsStateFile()));
    expect(rules.summarize(state, now)).toMatchObject({ total_tasks: 4, pending_counts: { ready: 3, waiting: 1 } });
    expect(rules.getTask(state, "__proto__")).toMatchObject({ id: "__proto__", data: { which: "__proto__" } });
    expect(rules.getTaskChildren(state, "__proto__").map((task) => task.id)).toEqual(["constructor"]);
    for (let i = 0; i < PROTOTYPE_IDS.length; i++) {
      const claimed = rules.claimNextTask(state, { agentId: "w", now, staleAfterMs }).value;
      expect(claimed, `claim ${i + 1}`).not.toBeNull();
      rules.completeTask(state, { taskId: claimed?.id as string, agentId: "w", claimToken: claimed?.claim_token, status: "completed", resultData: { ok: true }, now });
    }
    const written = parseWhole("wf.json", Buffer.from(JSON.stringify(state, null, 2)));
    expect(Object.keys(written.tasks).sort()).toEqual([...PROTOTYPE_IDS].sort());
    expect(rules.summarize(written, now).status_counts.completed).toBe(4);
  });

  it("keeps a metadata field named __proto__", () => {
    const file = prototypeIdsStateFile().replace('"metadata": {', '"metadata": {"__proto__": {"n": 3}, ');
    const { metadata } = parseWhole("wf.json", Buffer.from(file));
    expect(Object.getOwnPropertyDescriptor(metadata, "__proto__")?.value).toEqual({ n: 3 });
  });

  it("checks a task with id __proto__ like any other, and names it when it is not a task", () => {
    const file = prototypeIdsStateFile().replace('"status":"pending"', '"status":"exploded"');
    expect(file.indexOf('"exploded"')).toBeLessThan(file.indexOf('"constructor"')); // the __proto__ task is the one broken
    let thrown: unknown;
    try {
      parseWhole("wf.json", Buffer.from(file));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "STATE_FILE_CORRUPT", message: expect.stringContaining("tasks.__proto__.status") });
  });
});

describe("parseWhole with data nested 5,000 deep by hand", () => {
  /** A state file whose first task's data is nested 5,000 deep, the other two plain. */
  function deepStateFile(): Buffer {
    const state = rules.newWorkflowState(now);
    rules.createTasks(state, [{ type: "deep", data: { marker: "DEEP_HERE" }, parentId: null }], now);
    rules.createTasks(state, [{ type: "other", data: {}, parentId: null, priority: 1 }, { type: "other", data: {}, parentId: null }], now);
    return Buffer.from(JSON.stringify(state, null, 2).replace('"DEEP_HERE"', nestedText(5_000)));
  }

  it("reads it without descending into it, and the rules read it and claim and finish the others", () => {
    const state = parseWhole("wf.json", deepStateFile());
    const [deepId, ...others] = Object.keys(state.tasks) as [string, ...string[]];
    expect(depthOf(rules.getTask(state, deepId)?.data)).toBe(5_001);
    expect(rules.listTasks(state, { limit: 10 }).tasks.map((task) => task.id)).toEqual([deepId, ...others]);
    expect(rules.summarize(state, now)).toMatchObject({ total_tasks: 3, type_counts: { deep: 1, other: 2 } });
    for (const id of others) {
      const claimed = rules.claimNextTask(state, { agentId: "w", taskTypes: ["other"], now, staleAfterMs }).value;
      expect(claimed?.id).toBe(id);
      rules.completeTask(state, { taskId: id, agentId: "w", claimToken: claimed?.claim_token, status: "completed", now });
    }
    expect(rules.summarize(state, now).status_counts).toMatchObject({ pending: 1, completed: 2 });
  });
});
