// ATTACK: the state a process keeps between calls (state-file.ts) against callers' objects,
// in-place edits within one clock tick, and the lockStaleMs option.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { pendingTask } from "../../../helpers/stored-task.js";
import { tempDir } from "../../../helpers/temp-dir.js";

const stored = pendingTask();

describe("ATTACK: the kept state", () => {
  it("keeps no object a caller gave to importWorkflow: a header field changed after the call is neither shown nor written", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile });
    const custom = { note: "original" };
    await tm.importWorkflow({ header: { workflow_type: "generic", metadata: { initialized_at: "a", last_updated: "b" }, custom }, tasks: [["x", { ...stored, data: {} }]] });
    custom.note = "changed by the caller after the call";
    expect((await tm.exportWorkflow())?.header.custom).toEqual({ note: "original" });
    await tm.createTask({ type: "y" });
    expect(JSON.parse(await readFile(stateFile, "utf8")).custom).toEqual({ note: "original" });
  });

  it("holds: returned objects changed deeply by the caller (history, data, metadata, export) are neither shown again nor written", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile });
    await tm.updateWorkflowMetadata({ nested: { a: [1] }, task_defaults: { max_attempts: 3 } });
    const id = await tm.createTask({ type: "t", data: { deep: { list: [1] } } });
    const claimed = (await tm.getNextTask({ agentId: "w" })) as unknown as { history: unknown[]; data: { deep: { list: number[] } } };
    claimed.history.push({ at: "x", event: "forged" });
    claimed.data.deep.list.push(2);
    const metadata = (await tm.getWorkflowMetadata()) as unknown as { nested: { a: number[] }; task_defaults: { max_attempts: number } };
    metadata.nested.a.push(2);
    metadata.task_defaults.max_attempts = 1000;
    const exported = await tm.exportWorkflow();
    (exported?.header.metadata as unknown as { nested: { a: number[] } }).nested.a.push(3);
    for await (const [, task] of exported?.tasks ?? []) (task.data as { deep: { list: number[] } }).deep.list.push(3);
    const listed = (await tm.listTasks()).tasks[0] as unknown as { data: { deep: { list: number[] } } };
    listed.data.deep.list.push(4);
    await tm.createTask({ type: "other" });
    const onDisk = JSON.parse(await readFile(stateFile, "utf8"));
    expect(onDisk.tasks[id].data).toEqual({ deep: { list: [1] } });
    expect(onDisk.tasks[id].history.map((entry: { event: string }) => entry.event)).toEqual(["created", "claimed"]);
    expect(onDisk.metadata.nested).toEqual({ a: [1] });
    expect(onDisk.metadata.task_defaults).toEqual({ max_attempts: 3 });
    expect((await tm.getTask(id))?.data).toEqual({ deep: { list: [1] } });
  });

  it("holds (on this kernel): an in-place edit of the same size, right after the store looked, is seen (500 times)", async () => {
    // Whether the edit gets a new ctime within one clock tick depends on the kernel: Linux
    // 6.13+ gives a fine-grained timestamp to a change made after a stat; older kernels
    // stamp with the coarse (jiffy) clock, and such an edit could go unseen.
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile });
    const id = await tm.createTask({ type: "aaaa" });
    let missed = 0;
    for (let i = 0; i < 500; i++) {
      const want = i % 2 === 0 ? "bbbb" : "aaaa";
      const text = readFileSync(stateFile, "utf8").replace(/"type": "(aaaa|bbbb)"/, `"type": "${want}"`);
      await tm.getTask(id); // the store looks (lstat), and keeps what it has
      const fd = openSync(stateFile, "r+"); // the same inode, the same size
      writeSync(fd, text, 0);
      closeSync(fd);
      if ((await tm.getTask(id))?.type !== want) missed += 1;
    }
    expect(missed).toBe(0);
  });

  it("refuses a lockStaleMs that makes every change fail, or makes it work", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    let tm: TaskManager;
    try {
      tm = new TaskManager({ stateFile, lockStaleMs: 0 });
    } catch (error) {
      expect(error).toMatchObject({ message: expect.stringContaining("lockStaleMs") });
      return;
    }
    // Else: with no other process anywhere, a change must succeed.
    await expect(tm.createTask({ type: "t" })).resolves.toEqual(expect.any(String));
  });
});
