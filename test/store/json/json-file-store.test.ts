import { execFileSync } from "node:child_process";
import { mkdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager, type TaskManagerError } from "../../../src/index.js";
import { acquireFileLock } from "../../../src/store/json/file-lock.js";
import { seedModuleDir } from "../../helpers/paths.js";
import { has } from "../../helpers/requirements.js";
import { tempDir } from "../../helpers/temp-dir.js";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as TaskManagerError).code ?? String(error);
  }
  return "no error";
}

describe("a corrupt state file", () => {
  const taskShape = { type: "a", status: "pending", parent_id: null, locked_by: null, locked_at: null, created_at: "2026-01-01T00:00:00Z", completed_at: null, data: {} };
  const corruptions: [string, string][] = [
    ["truncated JSON", '{"workflow_type": "generic", "metadata": {"initialized_'],
    ["an empty file", ""],
    ["valid JSON of the wrong shape", JSON.stringify({ hello: "world" })],
    ["a JSON array", "[]"],
    ["an unknown status", JSON.stringify({ workflow_type: "generic", metadata: { initialized_at: "x", last_updated: "x" }, tasks: { a_00000000: { ...taskShape, status: "exploded" } } })],
    ["a task without a type", JSON.stringify({ workflow_type: "generic", metadata: { initialized_at: "x", last_updated: "x" }, tasks: { a_00000000: { ...taskShape, type: undefined } } })],
    ["reservations that are not a list", JSON.stringify({ workflow_type: "generic", metadata: { initialized_at: "x", last_updated: "x" }, tasks: {}, reservations: { "src/**": true } })],
    ["a reservation without its end", JSON.stringify({ workflow_type: "generic", metadata: { initialized_at: "x", last_updated: "x" }, tasks: {}, reservations: [{ path: "a", held_by: "w", session_sha256: null, exclusive: true, created_at: "x" }] })],
    ["task paths that are not a list", JSON.stringify({ workflow_type: "generic", metadata: { initialized_at: "x", last_updated: "x" }, tasks: { a_00000000: { ...taskShape, paths: "src/**" } } })],
  ];

  it.each(corruptions)("gives STATE_FILE_CORRUPT for %s, names the file, and leaves it byte-for-byte unchanged", async (_label, content) => {
    const stateFile = join(await tempDir(), "broken.json");
    await writeFile(stateFile, content);
    const before = await readFile(stateFile);
    const tm = new TaskManager({ stateFile });
    const operations = [
      () => tm.createTask({ type: "a" }),
      () => tm.getNextTask({ agentId: "w" }),
      () => tm.completeTask({ taskId: "a_00000000", agentId: "w" }),
      () => tm.releaseTask({ taskId: "a_00000000", agentId: "w" }),
      () => tm.updateWorkflowMetadata({ k: "v" }),
      () => tm.getTask("a_00000000"),
      () => tm.getStatusSummary(),
      () => tm.listTasks(),
      () => tm.reservePaths({ agentId: "w", paths: ["a"] }),
      () => tm.releasePaths({ agentId: "w" }),
      () => tm.listReservations(),
    ];
    for (const operation of operations) {
      await expect(operation()).rejects.toMatchObject({ code: "STATE_FILE_CORRUPT", message: expect.stringContaining(stateFile) });
    }
    expect(await readFile(stateFile)).toEqual(before);
  });
});

describe.skipIf(!has("python3"))("state files from the original Python module", () => {
  it("load and work unchanged, naive timestamps and its .lock side file included", async () => {
    const dir = await tempDir();
    const stateFile = join(dir, "seed.json");
    const script = `
import sys
sys.path.insert(0, ${JSON.stringify(seedModuleDir)})
from task_manager import TaskManager, TaskStatus
tm = TaskManager(${JSON.stringify(stateFile)})
parent = tm.create_task("analyze", {"file": "data.csv"})
child = tm.create_task("validate", {"validation_type": "schema"}, parent_id=parent)
tm.create_task("analyze", {"file": "other.csv"})
t = tm.get_next_task("py-worker", ["analyze"])
tm.complete_task(t["id"], "py-worker", TaskStatus.COMPLETED, {"output": "ok"})
tm.get_next_task("py-worker", ["validate"])
tm.update_workflow_metadata({"environment": "production"})
print(parent, child)
`;
    const [parentId, childId] = execFileSync("python3", ["-c", script], { encoding: "utf8" }).trim().split(" ");
    // The Python module leaves a regular file where our lock directory goes.
    expect((await stat(`${stateFile}.lock`)).isFile()).toBe(true);

    const tm = new TaskManager({ stateFile, lockTimeout: 2 });
    expect(await tm.getStatusSummary()).toMatchObject({ total_tasks: 3, status_counts: { completed: 1, in_progress: 1, pending: 1 } });
    expect(await tm.getTask(parentId as string)).toMatchObject({ status: "completed", result: { output: "ok" }, attempts: 0 });
    expect((await tm.getTaskChildren(parentId as string)).map((t) => t.id)).toEqual([childId]);

    // The Python worker's claim is still held and fresh: nobody else gets it, its holder can finish it.
    expect(await codeOf(tm.completeTask({ taskId: childId as string, agentId: "other" }))).toBe("NOT_CLAIM_HOLDER");
    const next = await tm.getNextTask({ agentId: "ts-worker" });
    expect(next).toMatchObject({ type: "analyze", status: "in_progress", attempts: 1 });
    await tm.completeTask({ taskId: childId as string, agentId: "py-worker" });
    await tm.completeTask({ taskId: (next as { id: string }).id, agentId: "ts-worker", claimToken: next?.claim_token });
    expect((await tm.getStatusSummary()).status_counts.completed).toBe(3);

    // The file keeps the seed's structure and what we did not touch.
    const onDisk = JSON.parse(await readFile(stateFile, "utf8"));
    expect(onDisk.workflow_type).toBe("generic");
    expect(onDisk.metadata.environment).toBe("production");
    // The side file was cleared away and our own lock released.
    await expect(stat(`${stateFile}.lock`)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("releases a stale claim whose naive timestamp is past the timeout", async () => {
    const stateFile = join(await tempDir(), "old.json");
    const naive = (date: Date) => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, -1) + "123";
    const claimedAt = new Date(Date.now() - 25 * 3_600_000);
    await writeFile(
      stateFile,
      JSON.stringify({
        workflow_type: "generic",
        metadata: { initialized_at: naive(claimedAt), last_updated: naive(claimedAt) },
        tasks: { work_0000abcd: { type: "work", status: "in_progress", parent_id: null, locked_by: "gone", locked_at: naive(claimedAt), created_at: naive(claimedAt), completed_at: null, data: {} } },
      }),
    );
    const tm = new TaskManager({ stateFile, taskTimeoutHours: 24 });
    expect(await tm.getNextTask({ agentId: "new" })).toMatchObject({ id: "work_0000abcd", locked_by: "new", attempts: 1 });
  });
});

describe("the lock", () => {
  it("gives LOCK_TIMEOUT when another holder keeps it, and changes nothing", async () => {
    const stateFile = join(await tempDir(), "busy.json");
    const tm = new TaskManager({ stateFile, lockTimeout: 0.3 });
    await tm.createTask({ type: "a" });
    await tm.reservePaths({ agentId: "w", paths: ["kept.ts"] });
    const before = await readFile(stateFile);
    const held = await acquireFileLock(stateFile, { timeoutMs: 1_000, staleMs: 60_000, updateMs: 10_000 });
    try {
      await expect(tm.createTask({ type: "b" })).rejects.toMatchObject({ code: "LOCK_TIMEOUT", message: expect.stringContaining(stateFile) });
      const atZero = new TaskManager({ stateFile, lockTimeout: 0 });
      await expect(atZero.reservePaths({ agentId: "w", paths: ["other.ts"] })).rejects.toMatchObject({ code: "LOCK_TIMEOUT" });
      await expect(atZero.releasePaths({ agentId: "w" })).rejects.toMatchObject({ code: "LOCK_TIMEOUT" });
    } finally {
      await held.release();
    }
    expect(await readFile(stateFile)).toEqual(before);
    await tm.createTask({ type: "b" }); // and works again once the lock is free
    expect((await tm.getStatusSummary()).total_tasks).toBe(2);
  });

  it("takes over a lock left behind by a dead process", async () => {
    const stateFile = join(await tempDir(), "orphan.json");
    const tm = new TaskManager({ stateFile, lockTimeout: 2 });
    await tm.createTask({ type: "a" });
    await mkdir(`${stateFile}.lock`);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(`${stateFile}.lock`, longAgo, longAgo);
    await tm.createTask({ type: "b" });
    expect((await tm.getStatusSummary()).total_tasks).toBe(2);
  });

  it("treats a regular file at the lock path as no lock", async () => {
    const stateFile = join(await tempDir(), "side.json");
    await writeFile(`${stateFile}.lock`, "");
    const tm = new TaskManager({ stateFile, lockTimeout: 1 });
    await tm.createTask({ type: "a" });
    expect((await tm.getStatusSummary()).total_tasks).toBe(1);
  });
});

describe("the in-memory copy of the state", () => {
  it("notices a change made by another process (here: another instance) between calls", async () => {
    const stateFile = join(await tempDir(), "shared.json");
    const mine = new TaskManager({ stateFile });
    const theirs = new TaskManager({ stateFile });
    const first = await mine.createTask({ type: "a" });
    expect((await mine.getStatusSummary()).total_tasks).toBe(1);
    const second = await theirs.createTask({ type: "b" });
    expect((await mine.getStatusSummary()).total_tasks).toBe(2);
    expect((await mine.getNextTask({ agentId: "me" }))?.id).toBe(first);
    expect((await theirs.getNextTask({ agentId: "them" }))?.id).toBe(second);
    expect(await mine.getNextTask({ agentId: "me" })).toBeNull();
  });

  it("is not left half-changed by a refused operation", async () => {
    const stateFile = join(await tempDir(), "refused.json");
    const tm = new TaskManager({ stateFile });
    const id = await tm.createTask({ type: "a" });
    await expect(tm.completeTask({ taskId: id, agentId: "w" })).rejects.toMatchObject({ code: "TASK_NOT_IN_PROGRESS" });
    expect((await tm.getTask(id))?.status).toBe("pending");
  });

  it("serves concurrent calls of one process without losing any", async () => {
    const stateFile = join(await tempDir(), "parallel.json");
    const tm = new TaskManager({ stateFile });
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => tm.createTask({ type: "t", data: { i } })));
    const claims = await Promise.all(ids.map((_, i) => tm.getNextTask({ agentId: `w${i % 4}` })));
    expect(new Set(claims.map((task) => task?.id))).toEqual(new Set(ids));
    const onDisk = JSON.parse(await readFile(stateFile, "utf8"));
    expect(Object.keys(onDisk.tasks)).toHaveLength(40);
  });
});
