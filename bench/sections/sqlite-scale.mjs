/**
 * The SQLite store at scale (issue 8): a workflow of a million tasks filled by bulk
 * create; four processes draining it with synchronous=FULL; the time of one claim at
 * a million tasks against a thousand; the MCP server's memory with it open.
 *
 * Every commit with synchronous=FULL waits for the disk. The drain is shown with one
 * agent per process (each change its own commit, so bound by the disk's flush time,
 * printed beside it) and with several agents per process (changes asked for at the
 * same moment share a commit: group commit), and with synchronous=NORMAL for contrast.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { SQLITE_FILE_NAME, TaskManager } from "../../dist/index.js";
import { durableReplaceMs, removeFloorFile } from "../lib/floor.mjs";
import { cliPath, scratchDir, workerPath } from "../lib/paths.mjs";
import { runJson, runTogether, startWorker } from "../lib/processes.mjs";
import { round, roundSummary, summarize } from "../lib/stats.mjs";

export const SQLITE_TARGETS = {
  fillSeconds: 60,
  drainTasksPerSecond: 2_000,
  claimRatio: 2,
  serverRssMb: 200,
};

export function sqlitePlan({ quick = false, tasks } = {}) {
  return {
    tasks: tasks ?? (quick ? 100_000 : 1_000_000),
    chunk: 10_000,
    budgetS: quick ? 4 : 15,
    // Claims per size and setting: the 1,000-task workflow (a fresh copy each time) must not run out.
    probeSamples: quick ? 100 : 500,
    drains: [
      { processes: 4, agents: 1, synchronous: "full" },
      { processes: 4, agents: 16, synchronous: "full" },
      { processes: 4, agents: 1, synchronous: "normal" },
    ],
  };
}

export async function runSqliteSection(options, log) {
  const plan = sqlitePlan(options);
  const node = process.execPath;
  const big = scratchDir("sqlite-big");
  log(`sqlite: filling ${plan.tasks.toLocaleString("en-US")} tasks by bulk create, ${plan.chunk.toLocaleString("en-US")} per call`);
  const fill = await runJson(node, [workerPath("sqlite-fill.mjs"), big, String(plan.tasks), String(plan.chunk)]);

  log("sqlite: one claim at 1,000 tasks and at the full size");
  const small = scratchDir("sqlite-1k");
  await runJson(node, [workerPath("sqlite-fill.mjs"), small, "1000", "1000"]);
  const claim = {};
  for (const synchronous of ["full", "normal"]) {
    const timings = await runJson(node, [workerPath("sqlite-claim-probe.mjs"), freshCopy(small), big, synchronous, String(plan.probeSamples)]);
    const at1k = summarize(timings.small);
    const atN = summarize(timings.big);
    claim[synchronous] = { at_1k_ms: roundSummary(at1k, 3), at_n_ms: roundSummary(atN, 3), ratio: round(atN.median / at1k.median, 2) };
  }

  const drains = [];
  for (const { processes, agents, synchronous } of plan.drains) {
    log(`sqlite: drain, ${processes} processes × ${agents} agent(s), synchronous=${synchronous.toUpperCase()}, ${plan.budgetS} s`);
    const before = await completedCount(big);
    const workers = Array.from({ length: processes }, (_, p) =>
      startWorker(node, [workerPath("sqlite-drain.mjs"), big, synchronous, String(agents), `p${p}`, String(plan.budgetS * 1000)]),
    );
    const { results, elapsedMs } = await runTogether(workers);
    const ids = results.flatMap((result) => result.completed);
    const after = await completedCount(big);
    drains.push({
      processes,
      agents_per_process: agents,
      synchronous,
      completed: ids.length,
      seconds: round(elapsedMs / 1000, 2),
      tasks_per_s: round(ids.length / (elapsedMs / 1000), 1),
      // Exactly once: no task completed twice, and the database counted each completion.
      exactly_once: new Set(ids).size === ids.length && after - before === ids.length,
    });
  }

  log("sqlite: the MCP server with the big workflow open");
  const server = await runJson(node, [workerPath("sqlite-server-probe.mjs"), cliPath, big, options.quick ? "10" : "50"]);
  const flushMs = diskFlushMs();
  return { plan, fill: { ...fill, seconds: round(fill.seconds, 1), tasks_per_s: round(fill.tasks_per_s, 0) }, claim, drains, server, disk_flush_ms: round(flushMs, 2) };
}

/** A new state directory holding a copy of `stateDir`'s database (closed, so its WAL is already folded in). */
function freshCopy(stateDir) {
  const copy = scratchDir("sqlite-copy");
  copyFileSync(join(stateDir, SQLITE_FILE_NAME), join(copy, SQLITE_FILE_NAME));
  return copy;
}

async function completedCount(stateDir) {
  const tm = new TaskManager({ store: "sqlite", stateDir, workflow: "big" });
  try {
    return (await tm.getStatusSummary()).status_counts.completed;
  } finally {
    await tm.close();
  }
}

/** The median time of one durable write on this disk: what a commit with synchronous=FULL waits for at least. */
function diskFlushMs() {
  const dir = scratchDir("sqlite-floor");
  const samples = Array.from({ length: 15 }, () => durableReplaceMs(dir, Buffer.alloc(4096, 1)));
  removeFloorFile(dir);
  return summarize(samples).median;
}

const fmt = (n, digits = 0) => Number(n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const yes = (ok) => (ok ? "yes" : "**no**");

/** The section's results as a Markdown table, target by target. */
export function sqliteReport(results) {
  const { plan, fill, claim, drains, server } = results;
  const n = fmt(plan.tasks);
  const rows = [
    ["Fill " + n + " tasks by bulk create (" + fmt(plan.chunk) + " per call)", `${fmt(fill.seconds, 1)} s (${fmt(fill.tasks_per_s)} tasks/s, ${fmt(fill.db_bytes / 1e6)} MB file)`, `< ${SQLITE_TARGETS.fillSeconds} s`, yes(fill.seconds < SQLITE_TARGETS.fillSeconds)],
  ];
  for (const drain of drains) {
    const full = drain.synchronous === "full";
    const goal = full && drain.agents_per_process > 1 ? `≥ ${fmt(SQLITE_TARGETS.drainTasksPerSecond)} tasks/s` : "for contrast";
    const met = full && drain.agents_per_process > 1 ? yes(drain.tasks_per_s >= SQLITE_TARGETS.drainTasksPerSecond && drain.exactly_once) : drain.exactly_once ? "exactly once" : "**not exactly once**";
    rows.push([
      `Drain (claim + complete): ${drain.processes} processes × ${drain.agents_per_process} agent(s), synchronous=${drain.synchronous.toUpperCase()}, ${fmt(drain.seconds, 1)} s`,
      `${fmt(drain.tasks_per_s)} tasks/s (${fmt(drain.completed)} tasks, ${drain.exactly_once ? "each exactly once" : "NOT exactly once"})`,
      goal,
      met,
    ]);
  }
  for (const [synchronous, c] of Object.entries(claim)) {
    const ruled = synchronous === "full";
    rows.push([
      `One claim at ${n} vs at 1,000 tasks, synchronous=${synchronous.toUpperCase()} (median)`,
      `${fmt(c.at_n_ms.median, 3)} ms vs ${fmt(c.at_1k_ms.median, 3)} ms: ${fmt(c.ratio, 2)}×`,
      ruled ? `≤ ${SQLITE_TARGETS.claimRatio}×` : `≤ ${SQLITE_TARGETS.claimRatio}× (no disk wait)`,
      yes(c.ratio <= SQLITE_TARGETS.claimRatio),
    ]);
  }
  rows.push([
    `MCP server with the ${n}-task workflow open (summary, resource, pages, bulk create, claims)`,
    `${fmt(server.rss_mb, 1)} MB RSS, peak ${fmt(server.peak_rss_mb, 1)} MB; workflow:// read is ${fmt(server.resource_bytes / 1024, 1)} KB`,
    `< ${SQLITE_TARGETS.serverRssMb} MB`,
    yes(server.peak_rss_mb < SQLITE_TARGETS.serverRssMb),
  ]);
  const table = ["| Target | Measured | Goal | Met |", "|---|---|---|---|", ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
  return `${table}\n\nA durable write on this disk takes ${fmt(results.disk_flush_ms, 2)} ms (median): with synchronous=FULL every commit waits that long at least, so one agent per process is bound by it; agents of one process share commits (group commit).\n`;
}
