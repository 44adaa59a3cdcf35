// The cost of one operation at a given workflow size, one process, no contention:
// a workflow of N tasks is built once (one batch, untimed); then in rounds, each
// starting from a fresh copy of it so the workflow stays near N, it times one
// create, then one claim+complete, then the floor at the file's current size.
// Prints the samples' summaries as one JSON line.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskManager } from "../../dist/index.js";
import { durableReplaceMs, removeFloorFile } from "../lib/floor.mjs";
import { roundSummary, summarize } from "../lib/stats.mjs";

const [n, samples] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), "tm-bench-cost-"));
try {
  const built = join(dir, "built.json");
  const builder = new TaskManager({ stateFile: built, lockTimeout: 60 });
  for (let done = 0; done < n; done += 10_000) {
    const batch = [];
    for (let i = done; i < Math.min(n, done + 10_000); i++) batch.push({ type: "work", data: { i } });
    await builder.createTasks(batch);
  }
  const fileBytes = statSync(built).size;

  // Rounds keep the workflow within 25% of N: each sample adds one task.
  const perRound = Math.max(1, Math.min(samples, Math.floor(n / 4)));
  const create = [];
  const claimComplete = [];
  const floor = [];
  for (let round = 0; create.length < samples; round++) {
    const stateFile = join(dir, `round-${round}.json`);
    copyFileSync(built, stateFile);
    const tm = new TaskManager({ stateFile, lockTimeout: 60 });
    await tm.getStatusSummary(); // first read of the file: a process starting up, not the steady state
    for (let i = 0; i < perRound && create.length < samples; i++) {
      let start = performance.now();
      await tm.createTask({ type: "work", data: { i: n + i } });
      create.push(performance.now() - start);

      start = performance.now();
      const task = await tm.getNextTask({ agentId: "probe" });
      await tm.completeTask({ taskId: task.id, agentId: "probe", claimToken: task.claim_token, resultData: { by: "probe" } });
      claimComplete.push(performance.now() - start);

      floor.push(durableReplaceMs(dir, readFileSync(stateFile)));
    }
    rmSync(stateFile, { force: true });
  }
  removeFloorFile(dir);
  process.stdout.write(
    `${JSON.stringify({ n, file_bytes: fileBytes, create: roundSummary(summarize(create)), claim_complete: roundSummary(summarize(claimComplete)), floor: roundSummary(summarize(floor)) })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
