// ATTACK: a process near its file descriptor limit (EMFILE at random moments). Every
// descriptor a change needs is opened before the rename that commits it, so a call that
// returns an error changed nothing: no claim is left held by an agent that never saw its
// claim token, no create is made twice by a retry.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture } from "../../../helpers/paths.js";
import { requirement } from "../../../helpers/requirements.js";
import { tempDir } from "../../../helpers/temp-dir.js";

const hasPrlimit = spawnSync("prlimit", ["--nofile=200:200", "true"]).status === 0;

interface Report {
  calls: number;
  ok: number;
  failedCleanly: number;
  failedButChanged: { op: string; code: string; message: string }[];
}

describe.skipIf(!requirement(hasPrlimit, "prlimit"))("ATTACK: EMFILE at random moments", () => {
  it("never returns an error for a change it made (nor says 'Nothing was changed' when something was)", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const run = spawnSync("prlimit", ["--nofile=200:200", process.execPath, fixture("attack-fd-pressure.mjs"), stateFile, "8000"], {
      encoding: "utf8",
      timeout: 40_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    // The hog must have made calls fail, or the test proved nothing.
    expect(report.failedCleanly).toBeGreaterThan(10);
    expect(report.failedButChanged).toEqual([]);
  }, 60_000);
});
