// ATTACK: SIGKILL at every step of a change, at an exact system call (strace signal
// injection, on entry: the call itself does not happen).
//
// After each kill: the state file is whole and valid, holds the victim's task exactly when
// the victim's rename of it happened, and the next process (a fresh one, as after a
// restart) gets its change in once the dead lock is stale (2 s here), sweeping what the
// dead one left: only the state file remains.
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { parseWhole } from "../../../../src/store/json/layout.js";
import { fixture } from "../../../helpers/paths.js";
import { runNode } from "../../../helpers/processes.js";
import { requirement } from "../../../helpers/requirements.js";
import { tempDir } from "../../../helpers/temp-dir.js";

const canStrace = spawnSync("strace", ["-f", "-qq", "-o", "/dev/null", "-e", "trace=openat", "-e", "inject=openat:signal=SIGUSR1:when=1", "true"]).signal === "SIGUSR1";

interface Step {
  name: string;
  /** strace -e trace/inject syscall, its per-thread invocation number, and -P (which path) */
  syscall: string;
  when: number;
  path: "dir" | "file" | null;
  /** whether the victim's change is in the file after this kill */
  committed: boolean;
  /** what the kill leaves beside the state file (proof it hit the step named) */
  left: string[];
}

// The calls of one create (strace of create-one.mjs): mkdir(staging), openat(token),
// rename(staging, lock), openat(dir) for the sweep, openat(file) to read, openat(temp),
// fsync(temp), openat(temp) and openat(dir) for what follows the rename, rename(temp, file),
// fsync(dir), unlink(token), rmdir(lock).
const STEPS: Step[] = [
  { name: "while staging (staging dir and token made, not yet the lock)", syscall: "rename", when: 1, path: null, committed: false, left: ["staging dir with token"] },
  { name: "right after taking the lock", syscall: "openat", when: 1, path: "dir", committed: false, left: ["lock with token"] },
  { name: "while reading the state under the lock", syscall: "openat", when: 1, path: "file", committed: false, left: ["lock with token"] },
  { name: "mid-write (temp written, not fsynced)", syscall: "fsync", when: 1, path: null, committed: false, left: ["lock with token", "temp"] },
  { name: "after fsync, before the rename", syscall: "rename", when: 2, path: null, committed: false, left: ["lock with token", "temp"] },
  { name: "after the state rename, before the directory fsync", syscall: "fsync", when: 1, path: "dir", committed: true, left: ["lock with token"] },
  { name: "during release: token not yet removed", syscall: "unlink", when: 1, path: null, committed: true, left: ["lock with token"] },
  { name: "during release: token removed, lock dir not", syscall: "rmdir", when: 1, path: null, committed: true, left: ["empty lock"] },
];

describe.skipIf(!requirement(canStrace, "strace with signal injection"))("ATTACK: SIGKILL at every step of a change", () => {
  it.each(STEPS)("$name", async (step) => {
    const dir = await tempDir();
    const stateFile = join(dir, "wf.json");
    const seed = new TaskManager({ stateFile });
    await seed.createTask({ type: "seed" });
    await seed.close();

    const path = step.path === "dir" ? ["-P", dir] : step.path === "file" ? ["-P", stateFile] : [];
    const victim = spawnSync(
      "strace",
      ["-f", "-qq", "-o", "/dev/null", "-e", `trace=${step.syscall}`, "-e", `inject=${step.syscall}:signal=SIGKILL:when=${step.when}`, ...path,
        process.execPath, fixture("create-one.mjs"), stateFile, "victim", "2000", "0"],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(victim.stdout, "the victim was killed before it acknowledged anything").toBe("");
    const left: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name === "wf.json") continue;
      if (entry.name === "wf.json.lock") left.push((await readdir(join(dir, entry.name))).length > 0 ? "lock with token" : "empty lock");
      else if (entry.isDirectory()) left.push((await readdir(join(dir, entry.name))).length > 0 ? "staging dir with token" : "empty staging dir");
      else left.push("temp");
    }
    expect(left.sort()).toEqual(step.left);

    const types = async () => Object.values(parseWhole(stateFile, await readFile(stateFile)).tasks).map((task) => task.type).sort();
    expect(await types()).toEqual(step.committed ? ["seed", "victim"] : ["seed"]);

    const next = await runNode(fixture("create-one.mjs"), [stateFile, "next", "2000", "0"]);
    expect(next.code, next.stderr).toBe(0);
    expect(await types()).toEqual(step.committed ? ["next", "seed", "victim"] : ["next", "seed"]);
    expect(await readdir(dir)).toEqual(["wf.json"]);
  }, 30_000);
});
