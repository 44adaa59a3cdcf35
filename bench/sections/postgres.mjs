/**
 * The PostgreSQL store (issue 9), `--only=postgres`: needs a server (TASK_MANAGER_DATABASE_URL,
 * else postgres://postgres@127.0.0.1:5432/test). The target drain is 8 agents in one process
 * with durable commits (synchronous_commit on): the agents of one process share statements, as
 * the agents one MCP server or library process serves do. Beside it, for contrast: one process
 * per agent (as on 8 machines), and commits that do not wait for the disk; then the wake-up of
 * a waiting agent, and this machine's ceiling for the same work done by pgbench.
 */
import { DEFAULT_DATABASE_URL, POSTGRES_TARGETS, ceilingBench, drainBench, safeUrl, wakeupBench } from "../lib/postgres.mjs";
import { round, roundSummary } from "../lib/stats.mjs";

export function postgresPlan({ quick = false } = {}) {
  const tasks = quick ? 20_000 : 100_000;
  return {
    tasks,
    drains: [
      { workers: 8, processes: 1, synchronousCommit: "on", target: true },
      { workers: 8, processes: 8, synchronousCommit: "on" },
      { workers: 8, processes: 1, synchronousCommit: "off" },
    ],
    wakeups: quick ? 20 : 50,
    ceilingSeconds: quick ? 5 : 10,
  };
}

const roundDrain = (d) => ({
  ...d,
  fill_s: round(d.fill_s, 2),
  fill_tasks_s: round(d.fill_tasks_s, 0),
  drain_s: round(d.drain_s, 2),
  tasks_s: round(d.tasks_s, 0),
  agents_cpu_us_per_task: round(d.agents_cpu_us_per_task, 0),
  postgres_cpu_us_per_task: d.postgres_cpu_us_per_task === null ? null : round(d.postgres_cpu_us_per_task, 0),
  load_average: round(d.load_average, 2),
});

export async function runPostgresSection(options, log) {
  const plan = postgresPlan(options);
  const url = DEFAULT_DATABASE_URL;
  const drains = [];
  for (const { workers, processes, synchronousCommit, target = false } of plan.drains) {
    log(`postgres: drain of ${plan.tasks.toLocaleString("en-US")} tasks, ${workers} agents in ${processes} process(es), synchronous_commit ${synchronousCommit}`);
    drains.push({ ...roundDrain(await drainBench({ url, tasks: plan.tasks, workers, processes, synchronousCommit })), target });
  }
  log(`postgres: ${plan.wakeups} wake-ups of a waiting agent by a create in another process`);
  const wakeup = roundSummary(await wakeupBench({ url, samples: plan.wakeups }), 1);
  const ceilings = [];
  for (const synchronousCommit of ["on", "off"]) {
    log(`postgres: ceiling, pgbench claim + complete, 8 clients, synchronous_commit ${synchronousCommit}`);
    const ceiling = await ceilingBench({ url, clients: 8, seconds: plan.ceilingSeconds, synchronousCommit });
    if (ceiling) ceilings.push({ ...ceiling, tasks_s: round(ceiling.tasks_s, 0), load_average: round(ceiling.load_average, 2) });
  }
  return { url: safeUrl(url), plan, drains, wakeup, ceilings };
}

/** The rows of the targets table (bench/report/tables.mjs). */
export function postgresTargets(results) {
  const out = [];
  const drain = results.drains.find((d) => d.target);
  if (drain) {
    out.push({
      target: `PostgreSQL: drain of ${drain.tasks.toLocaleString("en-US")} tasks by ${drain.workers} agents, durable commits: ≥ ${POSTGRES_TARGETS.drainTasksPerSecond.toLocaleString("en-US")} tasks/s`,
      value: `${drain.tasks_s.toLocaleString("en-US")} tasks/s`,
      met: drain.tasks_s >= POSTGRES_TARGETS.drainTasksPerSecond && drain.exactly_once,
    });
  }
  out.push({
    target: `PostgreSQL: wake-up of a waiting agent after a create elsewhere, median < ${POSTGRES_TARGETS.wakeupMedianMs} ms`,
    value: `${results.wakeup.median} ms`,
    met: results.wakeup.median < POSTGRES_TARGETS.wakeupMedianMs,
  });
  return out;
}

const fmt = (n, digits = 0) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** The section's results as Markdown. */
export function postgresReport(results) {
  const rows = results.drains.map((d) => [
    `${fmt(d.tasks)} tasks, ${d.workers} agents in ${d.processes} process${d.processes === 1 ? "" : "es"}, synchronous_commit ${d.synchronous_commit}${d.target ? " (the target's)" : ""}`,
    `${fmt(d.tasks_s)} tasks/s (${fmt(d.drain_s, 1)} s)`,
    `${fmt(d.agents_cpu_us_per_task)} µs + ${fmt(d.postgres_cpu_us_per_task)} µs`,
    fmt(d.load_average, 1),
    d.exactly_once ? "yes" : "**no**",
  ]);
  for (const c of results.ceilings) {
    rows.push([`ceiling: pgbench (C), ${c.clients} clients, claim + complete of a minimal row, synchronous_commit ${c.synchronous_commit}`, `${fmt(c.tasks_s)} tasks/s (${c.seconds} s)`, "–", fmt(c.load_average, 1), "–"]);
  }
  const table = [
    "| Drain (claim + complete) | Tasks/s | CPU per task: agents + PostgreSQL | Load average | Each claimed once |",
    "|---|---|---|---|---|",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
  const fill = results.drains[0];
  const w = results.wakeup;
  return (
    `Against ${results.url}. Fill: ${fmt(fill?.tasks)} tasks by createTasks of 10,000 in ${fmt(fill?.fill_s, 1)} s (${fmt(fill?.fill_tasks_s)} tasks/s).\n\n${table}\n\n` +
    `Wake-up of a waiting agent after a create by another process: median ${fmt(w.median, 1)} ms, p99 ${fmt(w.p99, 1)} ms over ${w.samples}.\n` +
    `On a machine with 2 cores the drain can go no faster than 2 s of CPU divided by the CPU per task; other work on the machine (its load average) takes its share.\n`
  );
}
