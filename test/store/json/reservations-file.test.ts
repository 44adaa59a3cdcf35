import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../src/index.js";
import { seedModuleDir } from "../../helpers/paths.js";
import { has } from "../../helpers/requirements.js";
import { tempDir } from "../../helpers/temp-dir.js";

describe("paths and reservations in a state file", () => {
  it("keeps reservations in a top-level list another process sees, and leaves the field out when none is left", async () => {
    const stateFile = join(await tempDir(), "repo.json");
    const alice = new TaskManager({ stateFile });
    await alice.createTask({ type: "fix", paths: ["src/auth/**"] });
    expect(JSON.parse(await readFile(stateFile, "utf8"))).not.toHaveProperty("reservations");
    await alice.reservePaths({ agentId: "alice", paths: ["package.json"], reason: "bump" });
    const onDisk = JSON.parse(await readFile(stateFile, "utf8")) as Record<string, unknown>;
    expect(Object.keys(onDisk)).toEqual(["workflow_type", "metadata", "tasks", "reservations"]);
    expect(onDisk.reservations).toEqual([expect.objectContaining({ path: "package.json", held_by: "alice", exclusive: true, reason: "bump", session_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);

    const bob = new TaskManager({ stateFile }); // another holder, reading the file afresh
    expect((await bob.listReservations()).map((r) => r.held_by)).toEqual(["alice"]);
    expect(await bob.reservePaths({ agentId: "bob", paths: ["package.json"] })).toMatchObject({ granted: false, conflicts: [{ held_by: "alice" }] });
    expect(await bob.releasePaths({ agentId: "bob" })).toEqual({ released: [] }); // not bob's to release
    expect(await alice.releasePaths({ agentId: "alice", paths: ["./package.json"] })).toEqual({ released: ["package.json"] });
    expect(JSON.parse(await readFile(stateFile, "utf8"))).not.toHaveProperty("reservations");
  });

  it.skipIf(!has("python3"))("is still read and worked by the original Python module", async () => {
    const stateFile = join(await tempDir(), "repo.json");
    const tm = new TaskManager({ stateFile });
    await tm.createTasks([{ type: "fix", paths: ["src/a.ts"] }, { type: "fix" }]);
    await tm.reservePaths({ agentId: "alice", paths: ["docs/**"] });
    const script = `
import sys
sys.path.insert(0, ${JSON.stringify(seedModuleDir)})
from task_manager import TaskManager
tm = TaskManager(${JSON.stringify(stateFile)})
t = tm.get_next_task("py-worker")
print(tm.get_status_summary()["total_tasks"], t["type"])
`;
    expect(execFileSync("python3", ["-c", script], { encoding: "utf8" }).trim()).toBe("2 fix");
  });
});
