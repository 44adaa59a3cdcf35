// The PostgreSQL store's figures (issue 9), against a real server, on their own:
//   node bench/postgres.mjs [--tasks=100000] [--workers=8] [--processes=N] [--wakeups=50]
//                           [--synchronous-commit=on|off] [--ceiling] [--url=postgres://...]
// 1. Drain: --tasks tasks created in bulk, then --workers agents claim and complete them until
//    none is left; prints tasks/s, the CPU per task, and checks each was claimed once. By
//    default one process per agent, as on separate machines; --processes=1 runs them all in one
//    process, whose agents' claims and completions then share statements.
// 2. Wake-up: an agent waits in getNextTask({ waitMs }) while another process creates a task
//    on its own connection; prints the time from the create's start to the wait's end.
// 3. With --ceiling: the same work by pgbench (C) on a minimal table, this machine's limit.
// `npm run bench -- --only=postgres` runs the same measurements (bench/sections/postgres.mjs).
// Needs `npm run build` first. The measurements themselves are in bench/lib/postgres.mjs.
import { parseArgs } from "node:util";
import { DEFAULT_DATABASE_URL, POSTGRES_TARGETS, ceilingBench, drainBench, safeUrl, wakeupBench } from "./lib/postgres.mjs";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "100000" },
    workers: { type: "string", default: "8" },
    wakeups: { type: "string", default: "50" },
    url: { type: "string", default: DEFAULT_DATABASE_URL },
    "synchronous-commit": { type: "string", default: "on" },
    processes: { type: "string" },
    ceiling: { type: "boolean", default: false },
  },
});
const url = values.url;
const workers = Number(values.workers);
const synchronousCommit = values["synchronous-commit"];
const fmt = (n, digits = 0) => Number(n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(`PostgreSQL store: ${safeUrl(url)}, synchronousCommit ${synchronousCommit}`);
const d = await drainBench({ url, tasks: Number(values.tasks), workers, processes: Number(values.processes ?? workers), synchronousCommit });
console.log(`fill: ${fmt(d.tasks)} tasks in ${fmt(d.fill_s, 2)} s (${fmt(d.fill_tasks_s)} tasks/s, createTasks of 10,000)`);
console.log(
  `drain: ${d.workers} workers (in ${d.processes} processes) claimed and completed ${fmt(d.drained)} tasks in ${fmt(d.drain_s, 2)} s = ${fmt(d.tasks_s)} tasks/s (target >= ${fmt(POSTGRES_TARGETS.drainTasksPerSecond)}); load average ${fmt(d.load_average, 1)} at the start`,
);
console.log(
  `  CPU per task: ${fmt(d.agents_cpu_us_per_task)} µs in the agents' processes, ${d.postgres_cpu_us_per_task === null ? "–" : fmt(d.postgres_cpu_us_per_task)} µs in PostgreSQL; each claimed once and completed: ${d.exactly_once ? "yes" : "NO"}`,
);
console.log(`  per worker: ${d.per_worker.join(", ")}`);
const w = await wakeupBench({ url, samples: Number(values.wakeups), synchronousCommit });
console.log(`wake-up after a create on another connection: median ${fmt(w.median, 1)} ms, p99 ${fmt(w.p99, 1)} ms over ${w.samples} (target median < ${POSTGRES_TARGETS.wakeupMedianMs} ms)`);
if (values.ceiling) {
  const c = await ceilingBench({ url, clients: workers, synchronousCommit });
  console.log(c ? `ceiling: pgbench, ${c.clients} clients, claim + complete of a minimal row: ${fmt(c.tasks_s)} tasks/s over ${c.seconds} s` : "ceiling: pgbench not found");
}
process.exit(0);
