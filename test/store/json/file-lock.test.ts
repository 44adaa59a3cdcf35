import { mkdir, readdir, rmdir, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../src/index.js";
import { acquireFileLock, lockPathFor } from "../../../src/store/json/file-lock.js";
import { fixture } from "../../helpers/paths.js";
import { runNode } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/temp-dir.js";

const fast = { timeoutMs: 5_000, staleMs: 2_000, updateMs: 1_000 };

async function plantStaleLock(stateFile: string, token = "owner-999999-deadbeef"): Promise<void> {
  const lockPath = lockPathFor(stateFile);
  await mkdir(lockPath);
  await writeFile(join(lockPath, token), "999999\n");
  const longAgo = new Date(Date.now() - 60_000);
  await utimes(lockPath, longAgo, longAgo);
}

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // a stalled process: no timers, no I/O callbacks
  }
}

describe("the file lock", () => {
  it("knows when another process took it over, and then neither writes nor removes the new holder's lock", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const lock = await acquireFileLock(stateFile, fast);
    expect(() => lock.assertHeld()).not.toThrow();
    // What a second process does that judged an older lock stale a moment before we got ours
    // (the race of proper-lockfile issue #121): it removes the directory and makes its own.
    const lockPath = lockPathFor(stateFile);
    for (const entry of await readdir(lockPath)) await unlink(join(lockPath, entry));
    await rmdir(lockPath);
    await mkdir(lockPath);
    await writeFile(join(lockPath, "owner-1-intruder"), "1\n");

    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: "LOCK_COMPROMISED" }));
    lock.release();
    expect(await readdir(lockPath)).toEqual(["owner-1-intruder"]);
  });

  it("survives a stall past the stale threshold: the holder is alive, so nobody takes its lock, and nothing interleaves", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile, lockStaleMs: 2_000 });
    await tm.createTask({ type: "before" });
    const lock = await acquireFileLock(stateFile, fast);
    // Another process wants the lock meanwhile. Once our lock's mtime is 2 s old it looks
    // stale, but its owner token names this live process, so the other one keeps waiting.
    const other = runNode(fixture("create-one.mjs"), [stateFile, "other", "2000", "0"]);
    blockEventLoop(3_500); // no refresh of the lock for 3.5 s
    expect((await readdir(lockPathFor(stateFile))).some((entry) => entry.startsWith(`owner-${process.pid}-`))).toBe(true);
    expect((await tm.getStatusSummary()).type_counts).toEqual({ before: 1 }); // the other has not written
    lock.release();
    const result = await other;
    expect(result.code, result.stderr).toBe(0);
    expect((await tm.getStatusSummary()).type_counts).toEqual({ before: 1, other: 1 });
  });

  it("refuses to commit with a lock that has gone unrefreshed for most of the stale threshold", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const lock = await acquireFileLock(stateFile, fast);
    // As if the refreshes had not reached the disk for 1.8 s: past 3/4 of the 2 s threshold,
    // a process that cannot tell we are alive could take over before our rename lands.
    const aged = new Date(Date.now() - 1_800);
    await utimes(lockPathFor(stateFile), aged, aged);
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: "LOCK_COMPROMISED" }));
    lock.release();
  });

  it("lets exactly one of several processes take over the same stale lock at a time: no write is lost", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile, lockStaleMs: 2_000 });
    await tm.createTask({ type: "seed" });
    const rounds = 4;
    const racers = 4;
    for (let round = 0; round < rounds; round++) {
      await plantStaleLock(stateFile, `owner-999999-round${round}`);
      const startAt = Date.now() + 400; // after all the processes are up
      const results = await Promise.all(
        Array.from({ length: racers }, (_, i) => runNode(fixture("create-one.mjs"), [stateFile, `r${round}-${i}`, "2000", String(startAt)])),
      );
      for (const result of results) expect(result.code, result.stderr).toBe(0);
    }
    const summary = await tm.getStatusSummary();
    expect(summary.total_tasks).toBe(1 + rounds * racers);
    expect(Object.values(summary.type_counts).every((count) => count === 1)).toBe(true);
  });

  it("sweeps the temp files a dead writer left when it takes over the dead writer's lock", async () => {
    const dir = await tempDir();
    const stateFile = join(dir, "wf.json");
    const tm = new TaskManager({ stateFile });
    await tm.createTask({ type: "a" });
    await plantStaleLock(stateFile);
    await writeFile(`${stateFile}.owner-999999-31415926.tmp`, "half a state file"); // a write killed before its rename
    await mkdir(`${lockPathFor(stateFile)}.owner-999999-cafe.tmp`); // an attempt at the lock killed while waiting
    await writeFile(join(`${lockPathFor(stateFile)}.owner-999999-cafe.tmp`, "owner-999999-cafe"), "999999\n");
    await writeFile(join(dir, "other.json.notours"), "left alone");
    await writeFile(join(dir, "other.json.owner-999999-beef.tmp"), "another workflow's: left to its own lock holder");
    await tm.createTask({ type: "b" });
    await tm.close();
    expect((await readdir(dir)).sort()).toEqual(["other.json.notours", "other.json.owner-999999-beef.tmp", "wf.json"]);
    await expect(stat(lockPathFor(stateFile))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("leaves alone the staging directory of a live process: its attempt at the lock is under way", async () => {
    const dir = await tempDir();
    const stateFile = join(dir, "wf.json");
    const tm = new TaskManager({ stateFile });
    const live = `wf.json.lock.owner-${process.ppid}-beef.tmp`; // the test runner: alive
    const dead = "wf.json.lock.owner-999999-dead.tmp";
    await mkdir(join(dir, live));
    await mkdir(join(dir, dead));
    await tm.createTask({ type: "a" });
    await tm.close();
    expect((await readdir(dir)).sort()).toEqual([live, "wf.json"].sort());
  });
});
