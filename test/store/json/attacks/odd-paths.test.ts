// ATTACK: lock timeout 0, and odd things at the lock path and the state file's path.
import { spawn, spawnSync } from "node:child_process";
import { lstat, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { acquireFileLock, lockPathFor } from "../../../../src/store/json/file-lock.js";
import { fixture } from "../../../helpers/paths.js";
import { requirement } from "../../../helpers/requirements.js";
import { tempDir } from "../../../helpers/temp-dir.js";
import { ERROR_CODES as DOCUMENTED } from "../../../helpers/refusals.js";

const canStrace = spawnSync("strace", ["--seccomp-bpf", "-f", "-qq", "-o", "/dev/null", "-e", "trace=openat", "-e", "inject=openat:delay_enter=1:when=1", "true"]).status === 0;

const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as { code?: string; message: string });

async function ageLock(stateFile: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(lockPathFor(stateFile), then, then);
}

describe("ATTACK: lock timeout 0 and odd paths", () => {
  it("holds: timeout 0 takes a free lock, takes over a dead one, and gives LOCK_TIMEOUT changing nothing when one is held", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile, lockTimeout: 0, lockStaleMs: 2_000 });
    await tm.createTask({ type: "a" });
    const before = await readFile(stateFile);
    const held = await acquireFileLock(stateFile, { timeoutMs: 0, staleMs: 2_000, updateMs: 500 });
    for (const call of [tm.createTask({ type: "b" }), tm.getNextTask({ agentId: "w" }), tm.updateWorkflowMetadata({ k: 1 })]) {
      expect(await errorOf(call)).toMatchObject({ code: "LOCK_TIMEOUT" });
    }
    expect(await readFile(stateFile)).toEqual(before);
    held.release();
    // A dead process's lock (a pid that is not running), stale: taken over in the one attempt.
    await mkdir(lockPathFor(stateFile));
    await writeFile(join(lockPathFor(stateFile), "owner-999999-dead"), "999999\n");
    await ageLock(stateFile, 5_000);
    await tm.createTask({ type: "c" });
    expect((await tm.getStatusSummary()).total_tasks).toBe(2);
  });

  it("holds: a state path that is a directory, a FIFO, or a dangling link is refused and left as it is", async () => {
    const dir = await tempDir();
    const outside = join(await tempDir(), "target.json");
    const cases: [string, (path: string) => Promise<void>][] = [
      ["directory", (path) => mkdir(path)],
      ["fifo", async (path) => void spawnSync("mkfifo", [path])],
      ["dangling link", (path) => symlink(outside, path)],
    ];
    for (const [name, make] of cases) {
      const stateFile = join(dir, `${name.replace(" ", "-")}.json`);
      await make(stateFile);
      const tm = new TaskManager({ stateFile, lockTimeout: 0 });
      expect(await errorOf(tm.createTask({ type: "x" })), name).toMatchObject({ code: "STATE_FILE_CORRUPT" });
      expect(await errorOf(tm.getNextTask({ agentId: "w" })), name).toMatchObject({ code: "STATE_FILE_CORRUPT" });
      const stats = await lstat(stateFile);
      expect(stats.isFile(), name).toBe(false);
    }
    await expect(lstat(outside)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a stale lock directory holding a subdirectory is cleared, or refused with a code, not left to block the workflow for good", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile, lockTimeout: 1, lockStaleMs: 2_000 });
    await tm.createTask({ type: "a" });
    await mkdir(join(lockPathFor(stateFile), "junk"), { recursive: true });
    await ageLock(stateFile, 60_000);
    const error = await errorOf(tm.createTask({ type: "b" }));
    if (error !== null) expect(DOCUMENTED).toContain(error.code);
    expect(error, "a stale lock with a subdirectory blocks every change").toBeNull();
  });

  it("holds: the state directory removed between calls is made again, the kept version forgotten", async () => {
    const dir = join(await tempDir(), "states");
    const stateFile = join(dir, "wf.json");
    const tm = new TaskManager({ stateFile });
    await tm.createTask({ type: "a" });
    await rm(dir, { recursive: true });
    expect((await tm.getStatusSummary()).total_tasks).toBe(0);
    await tm.createTask({ type: "b" });
    expect(Object.values(JSON.parse(await readFile(stateFile, "utf8")).tasks as Record<string, { type: string }>).map((task) => task.type)).toEqual(["b"]);
    expect(await readdir(dir)).toEqual(["wf.json"]);
  });

  it("a dead process's lock whose mtime is in the future (the clock was stepped back after the crash) is taken over, not waited on for an hour", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile, lockTimeout: 3, lockStaleMs: 2_000 });
    await tm.createTask({ type: "a" });
    await mkdir(lockPathFor(stateFile));
    await writeFile(join(lockPathFor(stateFile), "owner-999999-dead"), "999999\n");
    await ageLock(stateFile, -3_600_000); // an hour ahead
    expect(await errorOf(tm.createTask({ type: "b" }))).toBeNull();
  });

  it.skipIf(!requirement(canStrace, "strace with syscall delay injection"))(
    "a process that finds a plain file at the lock path, while another replaces it with a lock, waits for that lock instead of failing",
    async () => {
      const stateFile = join(await tempDir(), "wf.json");
      const seed = new TaskManager({ stateFile });
      await seed.createTask({ type: "seed" });
      await seed.close();
      await writeFile(lockPathFor(stateFile), ""); // the Python module's fcntl side file
      // The victim sees the plain file; its unlink of it is slow (800 ms).
      const victim = new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn("strace", ["--seccomp-bpf", "-f", "-qq", "-o", "/dev/null", "-e", "trace=unlink", "-e", "inject=unlink:delay_enter=800000:when=1", "-P", lockPathFor(stateFile),
          process.execPath, fixture("attack-create-one.mjs"), stateFile, "victim", "4000", "10"], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("close", (status) => resolve({ status, stderr }));
      });
      // Meanwhile another process removes the file and holds a real lock for 1.5 s.
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if ((await readdir(join(stateFile, ".."))).some((entry) => entry.startsWith("wf.json.lock.owner-"))) break; // the victim is staging
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      await rm(lockPathFor(stateFile));
      const held = await acquireFileLock(stateFile, { timeoutMs: 0, staleMs: 4_000, updateMs: 500 });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      held.release();
      const result = await victim;
      expect(result.stderr).not.toMatch(/EISDIR|STORE_UNAVAILABLE/);
      expect(result.status).toBe(0);
    },
    30_000,
  );

  it("a refused change on a workflow not yet written leaves no trace: not even its state directory", async () => {
    const root = await tempDir();
    const tm = new TaskManager({ stateFile: join(root, "states", "wf.json") });
    expect(await errorOf(tm.completeTask({ taskId: "x_00000000", agentId: "w" }))).toMatchObject({ code: "TASK_NOT_FOUND" });
    expect(await readdir(root)).toEqual([]);
  });
});
