// ATTACK: a long-running process, many workflows, many TaskManagers. A process holds no
// descriptor per workflow between calls (the store reads the file each call, see
// state-file.ts), so a server that has served hundreds of workflows, or a program that makes
// a TaskManager per request and never closes it, never runs out of descriptors.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fixture } from "../../../helpers/paths.js";
import { requirement } from "../../../helpers/requirements.js";
import { tempDir } from "../../../helpers/temp-dir.js";

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
