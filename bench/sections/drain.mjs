/**
 * Section 1, the pipeline drain against the seed: fill a workflow with N tasks, then
 * P worker processes claim and complete until none are left; exactly-once checked.
 * The seed runs the same workload in the same run (shared/baseline), so the ratios
 * compare like with like on whatever this machine is doing right now.
 */
import { copyFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { durableReplaceMs, removeFloorFile } from "../lib/floor.mjs";
import { benchDir, findSeedBaseline, scratchDir, workerPath } from "../lib/paths.mjs";
import { runJson, runTogether, startWorker } from "../lib/processes.mjs";
import { round, summarize } from "../lib/stats.mjs";
import { checkExactlyOnce } from "../lib/verify.mjs";
import { readFileSync } from "node:fs";

/**
 * full: the whole fill is timed and the drain runs to the end (bench.py as it is).
 * budget: the fill is sampled (the last `fillSample` creates timed) and the drain
 * runs for `budgetS` seconds; see seed_bounded.py. Ours and the seed alike.
 */
export function drainPlan({ quick, fullSeed }) {
  const budgetS = quick ? 4 : 12;
  return [
    { n: 1000, workers: [1, 4], mode: "full" },
    { n: 10_000, workers: [1, 4], mode: fullSeed ? "full" : "budget", budgetS, ourFillSample: 500, seedFillSample: quick ? 4 : 10 },
  ];
}

export async function runDrainSection(options, log) {
  const baseline = findSeedBaseline();
  if (!baseline) log("drain: the seed baseline (shared/baseline/bench.py) was not found; seed columns are skipped");
  const rows = [];
  const fills = [];
  for (const size of drainPlan(options)) {
    const { n, mode } = size;
    const budgetMs = mode === "budget" ? size.budgetS * 1000 : 0;

    // Ours: fill once, then drain a copy of the filled file for each P.
    const fillDir = scratchDir(`fill-${n}`);
    const filled = join(fillDir, "bench.json");
    const fillSample = mode === "full" ? n : size.ourFillSample;
    const fill = await runJson(process.execPath, [workerPath("fill-worker.mjs"), filled, String(n), String(fillSample)]);
    const ourFill = { fill_ops_s: round(fillSample / fill.seconds, 1), timed_creates: fillSample };
    const fileBytes = statSync(filled).size;
    const floorMs = measureFloor(fillDir, filled);
    const seedFills = [];

    for (const p of size.workers) {
      const dir = scratchDir(`drain-${n}-${p}`);
      const stateFile = join(dir, "bench.json");
      copyFileSync(filled, stateFile);
      log(`drain: ours N=${n} P=${p}${budgetMs ? ` (${size.budgetS} s budget)` : ""}`);
      const workers = Array.from({ length: p }, (_, k) => startWorker(process.execPath, [workerPath("drain-worker.mjs"), stateFile, `w${k}`, String(budgetMs)]));
      const { results, elapsedMs } = await runTogether(workers);
      const drained = results.reduce((sum, r) => sum + r.completed.length, 0);
      const check = checkExactlyOnce(stateFile, results, { full: !budgetMs, total: n });
      const ours = { drain_tasks_s: round(drained / (elapsedMs / 1000), 1), drained, drain_s: round(elapsedMs / 1000, 2), exactly_once: check.ok, problems: check.problems };

      let seed = null;
      if (baseline) {
        log(`drain: seed N=${n} P=${p}${mode === "budget" ? ` (${size.budgetS} s budget, last ${size.seedFillSample} creates timed)` : " (bench.py, full)"}`);
        const seedDir = scratchDir(`seed-${n}-${p}`);
        const raw =
          mode === "full"
            ? await runJson("python3", [join(baseline, "bench.py"), seedDir, String(n), String(p)])
            : await runJson("python3", [join(benchDir, "seed_bounded.py"), baseline, seedDir, String(n), String(p), String(size.seedFillSample), String(size.budgetS)]);
        const drainedBySeed = raw.drained ?? raw.n;
        seed = { drain_tasks_s: raw.drain_tasks_s, drained: drainedBySeed, drain_s: raw.drain_s, exactly_once: raw.exactly_once };
        seedFills.push({ fill_ops_s: raw.fill_ops_s, timed_creates: raw.fill_sampled ?? n });
      }
      rows.push({
        n,
        workers: p,
        method: budgetMs ? `${size.budgetS} s drain budget` : "full drain",
        file_bytes: fileBytes,
        ours,
        seed,
        ratio: seed ? round(ours.drain_tasks_s / seed.drain_tasks_s, 1) : null,
        // Every task is two durable writes (claim, complete): the most any store could do.
        floor_tasks_s: round(1000 / (2 * floorMs), 1),
        floor_ms: round(floorMs, 2),
      });
    }
    const seedFill = seedFills.length ? { fill_ops_s: round(seedFills.reduce((s, f) => s + f.fill_ops_s, 0) / seedFills.length, 1), timed_creates: seedFills[0].timed_creates, runs: seedFills.length } : null;
    fills.push({ n, method: mode === "full" ? `all ${n} creates timed` : `last creates timed (ours ${size.ourFillSample}, seed ${size.seedFillSample})`, ours: ourFill, seed: seedFill, ratio: seedFill ? round(ourFill.fill_ops_s / seedFill.fill_ops_s, 1) : null });
  }
  return { drain: rows, fill: fills, seedBaseline: baseline };
}

function measureFloor(dir, stateFile) {
  const content = readFileSync(stateFile);
  const samples = [];
  for (let i = 0; i < 15; i++) samples.push(durableReplaceMs(dir, content));
  removeFloorFile(dir);
  return summarize(samples).median;
}
