import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../src/index.js";
import { fixture } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("several processes racing for one state file", () => {
  it("hands every task to exactly one process", async () => {
    const stateFile = join(await tempDir(), "race.json");
    const tm = new TaskManager({ stateFile });
    const created = await tm.createTasks(Array.from({ length: 200 }, (_, i) => ({ type: "work", data: { i } })));

    const startAt = String(Date.now() + 1_500);
    const workers = await Promise.all(
      ["w1", "w2", "w3", "w4"].map((agent) => runNode(fixture("claim-worker.mjs"), [stateFile, agent, "complete", startAt])),
    );
    for (const worker of workers) expect(worker.code, worker.stderr).toBe(0);
    const claims = workers.flatMap((worker) => (JSON.parse(worker.stdout) as { claimed: string[] }).claimed);

    expect(claims).toHaveLength(created.length);
    expect(new Set(claims)).toEqual(new Set(created.map((task) => task.id)));
    const summary = await tm.getStatusSummary();
    expect(summary.status_counts.completed).toBe(created.length);
    // Each task was claimed once and completed by the process that claimed it.
    const page = await tm.listTasks({ limit: 500 });
    expect(page.tasks.every((task) => task.attempts === 1)).toBe(true);
    // More than one process got work, so the lock was actually contended.
    expect(workers.filter((worker) => (JSON.parse(worker.stdout) as { claimed: string[] }).claimed.length > 0).length).toBeGreaterThan(1);
  });
});
