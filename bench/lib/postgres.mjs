/**
 * The PostgreSQL store's measurements (issue 9), shared by `node bench/postgres.mjs` and
 * the `postgres` section of `npm run bench`. Each works in a schema of its own, dropped at
 * the end; they need `npm run build` first and a PostgreSQL server at `url`.
 *
 * - drain: `tasks` tasks created in bulk, then `workers` agents (spread over `processes`
 *   processes: one each, as on separate machines, or several per process, whose claims and
 *   completions then share statements) claim and complete them until none is left; checks
 *   in the database that each was completed and claimed once, and tells the CPU time the
 *   agents' processes and the PostgreSQL server spent per task.
 * - wakeup: an agent waits in getNextTask({ waitMs }) while another process creates a task
 *   on its own connection; the time from the create's start to the wait's end.
 * - ceiling: the same machine's limit for the same work without this package: pgbench (C)
 *   with `clients` connections, each claiming a row with one UPDATE … FOR UPDATE SKIP LOCKED
 *   and completing it with another, on a table with only the two indexes that needs.
 */
import { execFile, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { PostgresStore, TaskManager } from "../../dist/index.js";
import { summarize } from "./stats.mjs";

export const DEFAULT_DATABASE_URL = process.env.TASK_MANAGER_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** Issue 9's targets. */
export const POSTGRES_TARGETS = { drainTasksPerSecond: 5_000, wakeupMedianMs: 50 };

const agentPath = fileURLToPath(new URL("../postgres/agent.mjs", import.meta.url));
const newSchema = () => `tm_bench_${randomBytes(4).toString("hex")}`;

/** The URL without its password, for printing. */
export const safeUrl = (url) => url.replace(/:[^:@/]*@/, "@");

async function dropSchema(url, schema) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool.end();
  }
}

function start(env) {
  const proc = fork(agentPath, [], { env: { ...process.env, ...env } });
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
    next: () => (messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((resolve) => (waiting = resolve))),
    send: (message) => proc.send(message),
  };
}

/** CPU time (ms) spent so far by the PostgreSQL server's processes on this machine; null where /proc is not there. */
function postgresCpuMs() {
  if (!existsSync("/proc/self/stat")) return null;
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).startsWith("postgres")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Drains `tasks` tasks with `workers` agents in `processes` processes; see the header. */
export async function drainBench({ url = DEFAULT_DATABASE_URL, tasks = 100_000, workers = 8, processes = workers, synchronousCommit = "on" } = {}) {
  const schema = newSchema();
  processes = Math.min(workers, processes);
  try {
    const tm = new TaskManager({ store: new PostgresStore({ url, schema, workflow: "drain" }) });
    const fillStart = performance.now();
    const BATCH = 10_000;
    for (let made = 0; made < tasks; made += BATCH) {
      const n = Math.min(BATCH, tasks - made);
      await tm.createTasks(Array.from({ length: n }, (_, i) => ({ type: "job", data: { n: made + i } })));
    }
    const fillMs = performance.now() - fillStart;
    await tm.close();
    const agents = Array.from({ length: processes }, (_, i) =>
      start({
        BENCH_URL: url,
        BENCH_SCHEMA: schema,
        BENCH_ROLE: "drain",
        BENCH_SYNC: synchronousCommit,
        BENCH_AGENT: `worker-${i}`,
        BENCH_LOOPS: String(Math.floor(workers / processes) + (i < workers % processes ? 1 : 0)),
      }),
    );
    await Promise.all(agents.map((agent) => agent.next())); // each is connected and ready
    const load = loadavg()[0];
    const serverBefore = postgresCpuMs();
    const drainStart = performance.now();
    for (const agent of agents) agent.send("go");
    const results = await Promise.all(agents.map((agent) => agent.next()));
    const drainMs = performance.now() - drainStart;
    const serverAfter = postgresCpuMs();
    for (const agent of agents) agent.send("exit"); // only now: their backends' CPU time goes with them
    const claimed = results.reduce((sum, r) => sum + r.done, 0);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const check = await pool.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE body::jsonb->'attempts' <> '1'::jsonb)::int AS reclaimed FROM "${schema}".tasks`,
    );
    await pool.end();
    const { n, completed, reclaimed } = check.rows[0];
    return {
      tasks,
      workers,
      processes,
      synchronous_commit: synchronousCommit,
      fill_s: fillMs / 1000,
      fill_tasks_s: tasks / (fillMs / 1000),
      drain_s: drainMs / 1000,
      drained: claimed,
      tasks_s: claimed / (drainMs / 1000),
      per_worker: results.flatMap((r) => r.perLoop),
      exactly_once: claimed === tasks && completed === n && n === tasks && reclaimed === 0,
      // Where the CPU went, per task: the agents' processes, and every PostgreSQL process on this machine.
      agents_cpu_us_per_task: (results.reduce((sum, r) => sum + r.cpuMs, 0) * 1000) / claimed,
      postgres_cpu_us_per_task: serverBefore === null ? null : ((serverAfter - serverBefore) * 1000) / claimed,
      // The machine's load when the drain started: other work on it slows the drain.
      load_average: load,
    };
  } finally {
    await dropSchema(url, schema);
  }
}

/** `samples` wake-ups of a waiting agent by a create in another process; times in ms. */
export async function wakeupBench({ url = DEFAULT_DATABASE_URL, samples = 50, synchronousCommit = "on" } = {}) {
  const schema = newSchema();
  const env = { BENCH_URL: url, BENCH_SCHEMA: schema, BENCH_SYNC: synchronousCommit };
  try {
    const waiter = start({ ...env, BENCH_ROLE: "wait" });
    const creator = start({ ...env, BENCH_ROLE: "create" });
    await Promise.all([waiter.next(), creator.next()]);
    const times = [];
    for (let i = 0; i < samples; i += 1) {
      waiter.send("wait");
      await waiter.next(); // "waiting": it found nothing and is asleep on LISTEN
      await new Promise((resolve) => setTimeout(resolve, 20));
      creator.send("create");
      const created = await creator.next();
      const woke = await waiter.next();
      times.push(woke.at - created.startedAt);
    }
    waiter.send("exit");
    creator.send("exit");
    return { ...summarize(times), synchronous_commit: synchronousCommit };
  } finally {
    await dropSchema(url, schema);
  }
}

/** pgbench's binary: on PATH, or in Debian's versioned directory; null when there is none. */
function findPgbench() {
  const dirs = (process.env.PATH ?? "").split(":");
  if (existsSync("/usr/lib/postgresql")) for (const version of readdirSync("/usr/lib/postgresql").sort().reverse()) dirs.push(`/usr/lib/postgresql/${version}/bin`);
  return dirs.map((dir) => join(dir, "pgbench")).find((path) => existsSync(path)) ?? null;
}

/**
 * The machine's ceiling for the drain's work done by a C client: see the header. The table
 * is vacuumed every 2 s meanwhile, as the store does after many claims (vacuum-pacer.ts).
 * Null when pgbench is not installed.
 */
export async function ceilingBench({ url = DEFAULT_DATABASE_URL, clients = 8, seconds = 10, synchronousCommit = "on", rows = 200_000 } = {}) {
  const pgbench = findPgbench();
  if (!pgbench) return null;
  const schema = newSchema();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const script = join(tmpdir(), `${schema}.sql`);
  let vacuums = null;
  try {
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(`CREATE TABLE "${schema}".q (seq bigserial PRIMARY KEY, wf bigint NOT NULL, status text NOT NULL, priority int NOT NULL,
      version int NOT NULL DEFAULT 0, updated_ms bigint NOT NULL, claim_agent text, body text NOT NULL)`);
    await pool.query(`INSERT INTO "${schema}".q (wf, status, priority, updated_ms, body) SELECT 1, 'pending', 0, 0, repeat('x', 480) FROM generate_series(1, ${rows})`);
    await pool.query(`CREATE INDEX q_ready ON "${schema}".q (wf, priority DESC, seq) WHERE status = 'pending'`);
    await pool.query(`VACUUM ANALYZE "${schema}".q`);
    writeFileSync(
      script,
      `UPDATE "${schema}".q t SET status = 'in_progress', version = t.version + 1, claim_agent = 'a', updated_ms = 1 FROM (SELECT seq FROM "${schema}".q WHERE wf = 1 AND status = 'pending' ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED) p WHERE t.seq = p.seq RETURNING t.seq AS s, t.version AS v \\gset\n` +
        `UPDATE "${schema}".q SET status = 'completed', version = version + 1, body = body, updated_ms = 2, claim_agent = NULL WHERE seq = :s AND version = :v;\n`,
    );
    vacuums = setInterval(() => pool.query(`VACUUM "${schema}".q`).catch(() => {}), 2_000);
    const target = new URL(url);
    const args = ["-n", "-M", "prepared", "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", script, "-h", target.hostname, "-p", target.port || "5432", "-U", decodeURIComponent(target.username || "postgres"), target.pathname.slice(1) || "postgres"];
    const env = { ...process.env, PGOPTIONS: `-c synchronous_commit=${synchronousCommit}`, ...(target.password ? { PGPASSWORD: decodeURIComponent(target.password) } : {}) };
    const { stdout } = await promisify(execFile)(pgbench, args, { env });
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
    return { clients, seconds, synchronous_commit: synchronousCommit, tasks_s: tps, load_average: loadavg()[0] };
  } finally {
    if (vacuums) clearInterval(vacuums);
    rmSync(script, { force: true });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
  }
}
