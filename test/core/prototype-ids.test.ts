/**
 * Task ids that are names of Object.prototype. Ids this package makes are
 * `<type>_<8 hex>`, but a state file from the seed may hold any id, and such a
 * task must be kept like any other through every read and write of every store.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import type { JsonObject, StoredTask, WorkflowState } from "../../src/index.js";
import { readSeedFile } from "../../src/store/seed-file/read-seed-file.js";
import { PROTOTYPE_IDS, prototypeIdsStateFile } from "../helpers/prototype-ids.js";
import { describeStores } from "../helpers/stores.js";
import { tempDir } from "../helpers/temp-dir.js";

/** The ids a stored workflow holds, read as own keys (what JSON.parse makes of a "__proto__" member). */
function storedIds(state: WorkflowState | null): string[] {
  return state === null ? [] : Object.keys(state.tasks).sort();
}

function storedTaskOf(state: WorkflowState | null, id: string): StoredTask | undefined {
  return state !== null && Object.hasOwn(state.tasks, id) ? state.tasks[id] : undefined;
}

describeStores("task ids that are names of Object.prototype", (store) => {
  it("are kept through import, reads, claims, completions and every write", async () => {
    const { tm: importer, stored, reopen } = await store.open();
    const file = join(await tempDir(), "seed.json");
    await writeFile(file, prototypeIdsStateFile());
    expect(await importer.importWorkflow(await readSeedFile(file))).toBe(4);
    expect(storedIds(await stored())).toEqual([...PROTOTYPE_IDS].sort());
    // Read afresh from what the store holds, not from what the importer remembers of it.
    const tm = reopen();

    for (const id of PROTOTYPE_IDS) expect(await tm.getTask(id)).toMatchObject({ id, status: "pending", data: { which: id } });
    expect((await tm.listTasks()).tasks.map((task) => task.id)).toEqual([...PROTOTYPE_IDS]);
    expect((await tm.getTaskChildren("__proto__")).map((task) => task.id)).toEqual(["constructor"]);
    const summary = await tm.getStatusSummary();
    expect(summary).toMatchObject({ total_tasks: 4, status_counts: { pending: 4 }, pending_counts: { ready: 3, waiting: 1 } });

    // Claimed and completed one at a time: toString becomes claimable once __proto__ is completed.
    const claimed: string[] = [];
    for (let i = 0; i < PROTOTYPE_IDS.length; i++) {
      const task = await tm.getNextTask({ agentId: "worker" });
      expect(task, `claim ${i + 1}`).not.toBeNull();
      const id = (task as { id: string }).id;
      claimed.push(id);
      const claimToken = (task as { claim_token: string }).claim_token;
      await tm.heartbeatTask({ taskId: id, agentId: "worker", claimToken });
      // Finished by the other manager: it reads what this one wrote.
      await importer.completeTask({ taskId: id, agentId: "worker", claimToken, resultData: { done: id } });
    }
    expect(claimed.sort()).toEqual([...PROTOTYPE_IDS].sort());
    expect(await tm.getNextTask({ agentId: "worker" })).toBeNull();

    const after = await stored();
    expect(storedIds(after)).toEqual([...PROTOTYPE_IDS].sort());
    for (const id of PROTOTYPE_IDS) {
      expect(storedTaskOf(after, id)).toMatchObject({ type: "step", status: "completed", data: { which: id }, result: { done: id }, attempts: 1 });
    }
    expect(storedTaskOf(after, "constructor")?.parent_id).toBe("__proto__");
    expect(storedTaskOf(after, "toString")?.depends_on).toEqual(["__proto__"]);
    expect((await reopen().getStatusSummary()).status_counts.completed).toBe(4);
  });

  it("are kept beside tasks created after them", async () => {
    const { tm: importer, stored, reopen } = await store.open();
    const file = join(await tempDir(), "seed.json");
    await writeFile(file, prototypeIdsStateFile());
    await importer.importWorkflow(await readSeedFile(file));
    const tm = reopen();
    const child = await tm.createTask({ type: "constructor", parentId: "__proto__", dependsOn: ["__proto__", "toString"] });
    await tm.cancelTask({ taskId: "hasOwnProperty", agentId: "person" });
    await tm.updateWorkflowMetadata({ note: "written again" });

    expect(storedIds(await stored())).toEqual([...PROTOTYPE_IDS, child].sort());
    expect(await tm.getTask("hasOwnProperty")).toMatchObject({ status: "cancelled", data: { which: "hasOwnProperty" } });
    expect(await tm.getTask("__proto__")).toMatchObject({ status: "pending", data: { which: "__proto__" } });
    expect((await tm.getTaskChildren("__proto__")).map((task) => task.id)).toEqual(["constructor", child]);
    expect((await reopen().getStatusSummary()).total_tasks).toBe(5);
  });

  it("keep a top-level field named __proto__ of an imported state file, as plain data", async () => {
    const { tm, stored } = await store.open();
    const file = join(await tempDir(), "seed.json");
    await writeFile(file, prototypeIdsStateFile().replace('{\n  "workflow_type"', '{\n  "__proto__": {"n": 4},\n  "workflow_type"'));
    await tm.importWorkflow(await readSeedFile(file));
    const state = await stored();
    expect(Object.getOwnPropertyDescriptor(state, "__proto__")?.value).toEqual({ n: 4 });
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(storedIds(state)).toEqual([...PROTOTYPE_IDS].sort());
  });

  // JSON.parse makes "__proto__" an own field, as a client's JSON does; an object literal would not.
  const withProto = (value: number): JsonObject => JSON.parse(`{"__proto__":{"n":${value}},"plain":${value}}`) as JsonObject;
  const ownProto = (value: unknown): unknown => (value === undefined ? undefined : Object.getOwnPropertyDescriptor(value, "__proto__")?.value);

  it("keep a field named __proto__ in data and results as plain data", async () => {
    const { tm, stored, reopen } = await store.open();
    const id = await tm.createTask({ type: "t", data: withProto(1) });
    const claimed = await tm.getNextTask({ agentId: "w" });
    await tm.completeTask({ taskId: id, agentId: "w", claimToken: claimed?.claim_token, resultData: withProto(2) });

    const task = await reopen().getTask(id);
    expect(ownProto(task?.data)).toEqual({ n: 1 });
    expect(ownProto(task?.result)).toEqual({ n: 2 });
    expect(Object.getPrototypeOf(task?.data)).toBe(Object.prototype);
    const storedTask = storedTaskOf(await stored(), id);
    expect(Object.keys(storedTask?.data ?? {})).toEqual(["__proto__", "plain"]);
    expect(ownProto(storedTask?.result)).toEqual({ n: 2 });
  });

  // The JSON store's state file codec reads the file's head with zod (state-file-codec.ts), whose copy
  // leaves "__proto__" out of the metadata; the whole-file reading keeps it (test/store/parse-state-file.test.ts).
  it("keep a field named __proto__ in metadata as plain data", async () => {
    const { tm, reopen } = await store.open();
    await tm.updateWorkflowMetadata(withProto(3));
    expect(ownProto(await reopen().getWorkflowMetadata())).toEqual({ n: 3 });
  });
});
