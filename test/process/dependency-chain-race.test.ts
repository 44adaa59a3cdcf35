import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../src/index.js";
import { fixture } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";

interface WorkerReport {
  agentId: string;
  claims: { id: string; early: string[] }[];
}

describe("dependency chains across racing processes", () => {
  it("hands each chain out in order, never a task before its dependency is completed, each exactly once", async () => {
    const stateFile = join(await tempDir(), "chains.json");
    const tm = new TaskManager({ stateFile });
    // Three chains of six, created interleaved; a higher priority further down the
    // chain must not let a task jump ahead of its dependency.
    const chains: string[][] = [[], [], []];
    for (let step = 0; step < 6; step++) {
      for (const chain of chains) {
        const previous = chain[chain.length - 1];
        chain.push(await tm.createTask({ type: "step", data: { step }, priority: step, dependsOn: previous ? [previous] : [] }));
      }
    }

    const workers = await Promise.all(["w1", "w2", "w3", "w4"].map((agent) => runNode(fixture("chain-worker.mjs"), [stateFile, agent])));
    for (const worker of workers) expect(worker.code, worker.stderr).toBe(0);
    const reports = workers.map((worker) => JSON.parse(worker.stdout) as WorkerReport);
    const claims = reports.flatMap((report) => report.claims);

    // Nobody ever held a task whose dependency was not yet completed.
    expect(claims.filter((claim) => claim.early.length > 0)).toEqual([]);
    // Every task was claimed exactly once and completed.
    expect(claims.map((claim) => claim.id).sort()).toEqual(chains.flat().sort());
    const summary = await tm.getStatusSummary();
    expect(summary.status_counts.completed).toBe(18);
    // Each task was claimed once: nothing was handed out early and then given back.
    const page = await tm.listTasks({ limit: 100 });
    expect(page.tasks.map((task) => task.attempts)).toEqual(Array(18).fill(1));
    // The work was shared: more than one process claimed something.
    expect(reports.filter((report) => report.claims.length > 0).length).toBeGreaterThan(1);
  });
});
