/**
 * Sections 2 and 4, the cost curve and the floor: one create and one claim+complete
 * at N = 100 … 50,000 tasks, each size in a fresh process, with the floor (a durable
 * replace of a file that size) measured between the same samples.
 */
import { workerPath } from "../lib/paths.mjs";
import { runJson } from "../lib/processes.mjs";
import { round } from "../lib/stats.mjs";

export function costPlan({ quick }) {
  return quick
    ? [
        { n: 100, samples: 40 },
        { n: 1000, samples: 40 },
        { n: 10_000, samples: 20 },
        { n: 50_000, samples: 8 },
      ]
    : [
        { n: 100, samples: 200 },
        { n: 1000, samples: 200 },
        { n: 10_000, samples: 100 },
        { n: 50_000, samples: 30 },
      ];
}

export async function runCostSection(options, log) {
  const rows = [];
  for (const { n, samples } of costPlan(options)) {
    log(`cost curve: N=${n} (${samples} samples)`);
    const row = await runJson(process.execPath, ["--max-old-space-size=4096", workerPath("cost-probe.mjs"), String(n), String(samples)]);
    // A create is one durable write; a claim+complete is two, so it is compared with two floors.
    row.create_vs_floor = round(row.create.median / row.floor.median, 2);
    row.claim_complete_vs_floor = round(row.claim_complete.median / (2 * row.floor.median), 2);
    rows.push(row);
  }
  return rows;
}
