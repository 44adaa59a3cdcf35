// The store keeps what it last read or wrote and reuses it (state-file-codec.ts).
// These tests check that what it reuses is never stale: a file changed by another
// writer between two calls is read again, and a corrupt one is still refused.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../src/index.js";
import { tempDir } from "../helpers/temp-dir.js";

async function twoManagers(): Promise<{ stateFile: string; a: TaskManager; b: TaskManager }> {
  const stateFile = join(await tempDir(), "shared.json");
  return { stateFile, a: new TaskManager({ stateFile, lockTimeout: 5 }), b: new TaskManager({ stateFile, lockTimeout: 5 }) };
}

describe("the store's cache of the state file", () => {
  it("sees every change another writer made between two of its calls", async () => {
    const { a, b } = await twoManagers();
    const created = await a.createTasks(Array.from({ length: 20 }, (_, i) => ({ type: "work", data: { i } })));
    expect(await b.getStatusSummary()).toMatchObject({ total_tasks: 20 });

    const byB = await b.getNextTask({ agentId: "b" });
    expect((await a.getTask(byB?.id as string))?.locked_by).toBe("b");
    const byA = await a.getNextTask({ agentId: "a" });
    expect(byA?.id).not.toBe(byB?.id);

    await b.completeTask({ taskId: byB?.id as string, agentId: "b", claimToken: byB?.claim_token, resultData: { done: true } });
    await b.createTask({ type: "late", data: {} });
    expect(await a.getTask(byB?.id as string)).toMatchObject({ status: "completed", result: { done: true } });
    expect(await a.getStatusSummary()).toMatchObject({ total_tasks: 21, status_counts: { completed: 1, in_progress: 1, pending: 19 } });
    // a's own claim survived b's writes, and a can finish it
    await a.completeTask({ taskId: byA?.id as string, agentId: "a", claimToken: byA?.claim_token });
    expect(await b.getStatusSummary()).toMatchObject({ status_counts: { completed: 2, pending: 19 } });
    expect(created).toHaveLength(20);
  });

  it("sees a hand edit that keeps the file's length, and keeps it in its next write", async () => {
    const { stateFile, a } = await twoManagers();
    const [task] = await a.createTasks([{ type: "work", data: { note: "abc" } }]);
    const text = await readFile(stateFile, "utf8");
    await writeFile(stateFile, text.replace('"note": "abc"', '"note": "xyz"'));
    expect((await a.getTask(task?.id as string))?.data).toEqual({ note: "xyz" });
    await a.createTask({ type: "other" });
    expect(JSON.parse(await readFile(stateFile, "utf8")).tasks[task?.id as string].data).toEqual({ note: "xyz" });
  });

  it("refuses a file another writer corrupted after it cached a good one, and leaves it as it is", async () => {
    const { stateFile, a } = await twoManagers();
    const tasks = await a.createTasks(Array.from({ length: 10 }, (_, i) => ({ type: "work", data: { i } })));
    const good = await readFile(stateFile, "utf8");
    const corruptions = [
      good.replace('"status": "pending"', '"status": "exploded"'), // one task, the rest unchanged
      good.replace(/"i": 7\n/, '"i": 7,\n'), // a stray comma inside one task
      good.slice(0, good.length - 10), // cut off
      good.replace(`"${tasks[4]?.id}": {`, `"${tasks[4]?.id}": {{`),
    ];
    for (const corrupt of corruptions) {
      await writeFile(stateFile, corrupt);
      await expect(a.getStatusSummary()).rejects.toMatchObject({ code: "STATE_FILE_CORRUPT" });
      await expect(a.getNextTask({ agentId: "a" })).rejects.toMatchObject({ code: "STATE_FILE_CORRUPT" });
      await expect(a.createTask({ type: "x" })).rejects.toMatchObject({ code: "STATE_FILE_CORRUPT" });
      expect(await readFile(stateFile, "utf8")).toBe(corrupt);
    }
    await writeFile(stateFile, good);
    expect(await a.getStatusSummary()).toMatchObject({ total_tasks: 10 });
  });

  it("never writes what a caller did to a task it was given", async () => {
    const { stateFile, a } = await twoManagers();
    const [created] = await a.createTasks([{ type: "work", data: { list: [1] } }]);
    const got = (await a.getTask(created?.id as string)) as unknown as { data: { list: number[]; extra?: number } };
    // Nested values of a returned task are the store's own: read-only.
    expect(() => got.data.list.push(2)).toThrow(TypeError);
    expect(() => (got.data.extra = 1)).toThrow(TypeError);
    await a.createTask({ type: "other" });
    expect(JSON.parse(await readFile(stateFile, "utf8")).tasks[created?.id as string].data).toEqual({ list: [1] });
  });
});
