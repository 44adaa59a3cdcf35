// The PostgreSQL store's figures (issue 9), against a real server:
//   node bench/postgres.mjs [--tasks=100000] [--workers=8] [--wakeups=50] [--url=postgres://...]
//                           [--synchronous-commit=on|off]
// 1. Drain: --tasks tasks created in bulk, then --workers agents (one process each, so the
//    claims race across connections as agents on separate machines would) claim and
//    complete them until none is left; prints tasks/s and checks each was claimed once.
// 2. Wake-up: an agent waits in getNextTask({ waitMs }) while another process creates a
//    task on its own connection; prints the time from the create's start to the wait's end.
// It works in a schema of its own, dropped at the end. Needs `npm run build` first.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { TaskManager, PostgresStore } from "../dist/index.js";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "100000" },
    workers: { type: "string", default: "8" },
    wakeups: { type: "string", default: "50" },
    url: { type: "string", default: process.env.TASK_MANAGER_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test" },
    "synchronous-commit": { type: "string", default: "on" },
    processes: { type: "string" },
  },
});
const url = values.url;
const total = Number(values.tasks);
const workers = Number(values.workers);
const wakeups = Number(values.wakeups);
const synchronousCommit = values["synchronous-commit"];
// Agents per process: by default one process each, as on separate machines; --processes=1 runs them all in one.
const processes = Math.min(workers, Number(values.processes ?? workers));
const schema = `tm_bench_${randomBytes(4).toString("hex")}`;
const child = fileURLToPath(new URL("./postgres/agent.mjs", import.meta.url));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.99 * xs.length) - 1)];

function start(role, extra = {}) {
  const proc = fork(child, [], { env: { ...process.env, BENCH_URL: url, BENCH_SCHEMA: schema, BENCH_ROLE: role, BENCH_SYNC: synchronousCommit, ...extra } });
  const messages = [];
  let waiting = null;
  proc.on("message", (message) => {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve(message);
    } else messages.push(message);
  });
  return {
    proc,
    next: () => (messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((resolve) => (waiting = resolve))),
    send: (message) => proc.send(message),
  };
}

async function drain() {
  const tm = new TaskManager({ store: new PostgresStore({ url, schema, workflow: "drain" }) });
  const fillStart = performance.now();
  const BATCH = 10_000;
  for (let made = 0; made < total; made += BATCH) {
    const n = Math.min(BATCH, total - made);
    await tm.createTasks(Array.from({ length: n }, (_, i) => ({ type: "job", data: { n: made + i } })));
  }
  const fillMs = performance.now() - fillStart;
  await tm.close();
  const agents = Array.from({ length: processes }, (_, i) =>
    start("drain", { BENCH_AGENT: `worker-${i}`, BENCH_LOOPS: String(Math.floor(workers / processes) + (i < workers % processes ? 1 : 0)) }),
  );
  await Promise.all(agents.map((agent) => agent.next())); // each is connected and ready
  const drainStart = performance.now();
  for (const agent of agents) agent.send("go");
  const results = await Promise.all(agents.map((agent) => agent.next()));
  const drainMs = performance.now() - drainStart;
  const claimed = results.reduce((sum, r) => sum + r.done, 0);
  const check = await new pg.Pool({ connectionString: url, max: 1 }).query(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'completed')::int AS completed,
            count(*) FILTER (WHERE body::jsonb->'attempts' <> '1'::jsonb)::int AS reclaimed FROM "${schema}".tasks`,
  );
  return { fillMs, drainMs, claimed, perWorker: results.map((r) => r.done), check: check.rows[0] };
}

async function wakeup() {
  const waiter = start("wait");
  const creator = start("create");
  await Promise.all([waiter.next(), creator.next()]);
  const samples = [];
  for (let i = 0; i < wakeups; i += 1) {
    waiter.send("wait");
    await waiter.next(); // "waiting": it found nothing and is asleep on LISTEN
    await new Promise((resolve) => setTimeout(resolve, 20));
    creator.send("create");
    const created = await creator.next();
    const woke = await waiter.next();
    samples.push(woke.at - created.startedAt);
  }
  waiter.send("exit");
  creator.send("exit");
  return samples;
}

try {
  console.log(`PostgreSQL store: ${url.replace(/:[^:@/]*@/, "@")}, schema ${schema}, synchronousCommit ${synchronousCommit}`);
  const d = await drain();
  console.log(`fill: ${total} tasks in ${(d.fillMs / 1000).toFixed(2)} s (${Math.round(total / (d.fillMs / 1000))} tasks/s, createTasks of 10,000)`);
  console.log(
    `drain: ${workers} workers (in ${processes} processes) claimed and completed ${d.claimed} tasks in ${(d.drainMs / 1000).toFixed(2)} s = ${Math.round(d.claimed / (d.drainMs / 1000))} tasks/s (target >= 5,000)`,
  );
  console.log(`  per worker: ${d.perWorker.join(", ")}; in the database: ${d.check.completed} of ${d.check.n} completed, ${d.check.reclaimed} claimed more than once`);
  const w = await wakeup();
  console.log(`wake-up after a create on another connection: median ${median(w).toFixed(1)} ms, p99 ${p99(w).toFixed(1)} ms over ${w.length} (target median < 50 ms)`);
} finally {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
process.exit(0);
