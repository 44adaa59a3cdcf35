// The store keeps what it last read or wrote and reuses it (src/store/json/state-file.ts).
// These tests check that what it reuses is never stale: a file changed by another writer
// between two calls is read again, and a corrupt one is still refused; that the file is
// always in the seed's layout; and that a link is never read through. (A write that fails
// midway is test/store/json/disk-errors.test.ts.)
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../src/index.js";
import { tempDir } from "../../helpers/temp-dir.js";

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

  it("never writes, nor shows again, what a caller did to a task or a value it was given", async () => {
    const { stateFile, a } = await twoManagers();
    const data = { list: [1] };
    const [created] = await a.createTasks([{ type: "work", data }]);
    data.list.push(99); // the caller's own object, after the call
    const got = (await a.getTask(created?.id as string)) as unknown as { data: { list: number[]; extra?: number } };
    got.data.list.push(2);
    got.data.extra = 1;
    const claimed = (await a.getNextTask({ agentId: "a" })) as unknown as { data: { list: number[] } };
    claimed.data.list.push(3);
    await a.createTask({ type: "other" });
    expect((await a.getTask(created?.id as string))?.data).toEqual({ list: [1] });
    expect(JSON.parse(await readFile(stateFile, "utf8")).tasks[created?.id as string].data).toEqual({ list: [1] });
  });

  it("writes exactly JSON.stringify(state, null, 2) and a newline, whatever the workflow holds", async () => {
    const { stateFile, a, b } = await twoManagers();
    const layoutHolds = async () => {
      const text = await readFile(stateFile, "utf8");
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    };
    await a.updateWorkflowMetadata({ note: "no tasks yet", nested: { "tasks": {} } });
    await layoutHolds();
    await a.createTasks([{ type: "work", data: { text: "line\nbreak \"quoted\" é \u2028", deep: { a: [1, { b: null }] }, empty: {}, none: [] } }, { type: "work" }]);
    await layoutHolds();
    const claimed = await b.getNextTask({ agentId: "b" });
    await b.completeTask({ taskId: claimed?.id as string, agentId: "b", claimToken: claimed?.claim_token, resultData: { ok: true } });
    await layoutHolds();
    // A field after the tasks, as another program may add, stays where it is.
    const text = await readFile(stateFile, "utf8");
    await writeFile(stateFile, `${JSON.stringify({ ...JSON.parse(text), after_tasks: [1, 2] }, null, 2)}\n`);
    await a.createTask({ type: "work" });
    await layoutHolds();
    expect(Object.keys(JSON.parse(await readFile(stateFile, "utf8")))).toEqual(["workflow_type", "metadata", "tasks", "after_tasks"]);
  });

  it("refuses a state file that is a symbolic link, without reading through it or quoting what it points at", async () => {
    const dir = (await twoManagers()).stateFile.replace(/\/shared\.json$/, "");
    const secret = join(await tempDir(), "secret.txt");
    await writeFile(secret, "root:x:0:0:hunter2\n");
    const stateFile = join(dir, "linked.json");
    await symlink(secret, stateFile);
    const tm = new TaskManager({ stateFile });
    for (const call of [() => tm.getStatusSummary(), () => tm.createTask({ type: "a" }), () => tm.getNextTask({ agentId: "w" })]) {
      const error = (await call().catch((caught: unknown) => caught)) as Error & { code?: string };
      expect(error.code).toBe("STATE_FILE_CORRUPT");
      expect(error.message).toContain("symbolic link");
      expect(error.message).not.toContain("root");
    }
    expect(await readFile(secret, "utf8")).toBe("root:x:0:0:hunter2\n");
  });

  it("says where a file stops being JSON without quoting any of it", async () => {
    const { stateFile, a } = await twoManagers();
    for (const text of ["root:x:0:0:hunter2\n", '{"workflow_type": "generic",\n "metadata": hunter2}', '{"a": "hunter2"', '{"hunter2": 1,, }']) {
      await writeFile(stateFile, text);
      const error = (await a.getStatusSummary().catch((caught: unknown) => caught)) as Error & { code?: string };
      expect(error.code).toBe("STATE_FILE_CORRUPT");
      expect(error.message).not.toContain("hunter2");
      expect(error.message).not.toContain("root");
    }
  });
});
