// ATTACK: a long-running process, many workflows, many TaskManagers.
//
// StateFile keeps the descriptor of the version it last read or wrote open between calls
// (to pin its inode), one per workflow a process has touched, until close(). The README
// says only a SQLite store needs close(), TaskManagerCore.close says "a JSON file holds
// nothing between calls", and JsonCatalog.close says "a state file is open only during a
// call". A server that has served N workflows holds N descriptors (and N old versions'
// disk blocks once others rewrite them); a program that makes a TaskManager per request
// runs out of descriptors long before garbage collection runs the FinalizationRegistry.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fixture } from "../helpers/paths.js";
import { requirement } from "../helpers/requirements.js";
import { tempDir } from "../helpers/temp-dir.js";

const hasPrlimit = spawnSync("prlimit", ["--nofile=256:256", "true"]).status === 0;

describe.skipIf(!requirement(hasPrlimit, "prlimit"))("ATTACK: descriptors held between calls", () => {
  it("holds no descriptor per workflow between calls, and per-request TaskManagers never exhaust the process's descriptors", async () => {
    const dir = await tempDir();
    const run = spawnSync("prlimit", ["--nofile=512:512", process.execPath, fixture("attack-fd-leak.mjs"), dir], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { manyWorkflows: number; unclosedManagers: { failedAt: number | null; code: string | null; message: string | null } };
    expect(report.manyWorkflows, "descriptors held after one call on each of 300 workflows").toBeLessThan(10);
    expect(report.unclosedManagers).toEqual({ failedAt: null, code: null, message: null });
  }, 90_000);
});
