/**
 * The side-by-side comparison (issue 20): every system back to back, `reps` times, on this
 * machine. Run it through `npm run bench:peers` in the repository root (bench.mjs installs what
 * it needs and starts this under Node 22), or directly: node_modules/.bin/node run.mjs [options].
 *
 *   --only=ours-postgres,pg-boss,...   systems to run (default: all, in the order below)
 *   --jobs=N                           jobs created up front per case (default 10000)
 *   --reps=R                           repetitions; the table shows medians (default 3)
 *   --quick                            N = 1000, 1 repetition: a smoke run
 *   --url=postgres://...               PostgreSQL (default $DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
 *   --report                           measure nothing: render results/latest.json again into latest.md
 *
 * Each repetition runs every system through the three drains — 1 worker; 8 loops in one process;
 * 4 processes × 2 loops — each on a fresh queue filled with N jobs (the fill column is the median
 * of all those fills). Results: results/latest.md and results/latest.json.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { withClient } from "./lib/pg.mjs";
import { runCase } from "./lib/scenario.mjs";
import { render } from "./lib/report.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const SYSTEMS = ["ours-postgres", "pg-boss", "graphile-worker", "graphile-worker-batched", "ours-sqlite", "plainjob"];
export const DRAINS = [
  { id: "w1", title: "drain W=1", processes: 1, loops: 1 },
  { id: "w8", title: "W=8 in one process", processes: 1, loops: 8 },
  { id: "p4x2", title: "4 processes × 2", processes: 4, loops: 2 },
];

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}`);
    return [m[1], m[2] ?? true];
  }),
);
for (const key of Object.keys(args)) if (!["only", "jobs", "reps", "quick", "url", "report"].includes(key)) throw new Error(`unknown option --${key}`);
if (args.report) {
  const saved = JSON.parse(readFileSync(here("./results/latest.json"), "utf8"));
  const names = SYSTEMS.filter((s) => s in saved.summary);
  const loaded = await Promise.all(names.map(async (s) => (await import(`./adapters/${s}.mjs`)).default));
  const { markdown } = render({ env: saved.env, runs: saved.runs, systems: loaded, drains: DRAINS });
  writeFileSync(here("./results/latest.md"), saved.complete === false ? `**Partial: ${saved.runs.length} cases.**\n\n${markdown}` : markdown);
  console.log(markdown);
  process.exit(0);
}
const quick = Boolean(args.quick);
const jobs = Number(args.jobs ?? (quick ? 1_000 : 10_000));
const reps = Number(args.reps ?? (quick ? 1 : 3));
const url = args.url ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const only = args.only ? String(args.only).split(",") : SYSTEMS;
for (const name of only) if (!SYSTEMS.includes(name)) throw new Error(`unknown system ${name}; known: ${SYSTEMS.join(", ")}`);
const systems = SYSTEMS.filter((s) => only.includes(s));

const scratch = here("./.scratch");
rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });

const version = (pkg) => JSON.parse(readFileSync(here(`./node_modules/${pkg}/package.json`), "utf8")).version;
const adapters = {};
for (const name of systems) adapters[name] = (await import(`./adapters/${name}.mjs`)).default;

const env = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model,
  load_average_at_start: loadavg(),
  jobs,
  reps,
  versions: {
    ours: JSON.parse(readFileSync(here("./node_modules/task-manager-mcp/package.json"), "utf8")).version,
    "pg-boss": version("pg-boss"),
    "graphile-worker": version("graphile-worker"),
    plainjob: version("plainjob"),
    "better-sqlite3": version("better-sqlite3"),
    pg: version("pg"),
  },
};
if (systems.some((s) => adapters[s].database === "postgresql")) {
  const settings = await withClient(url, async (c) => ({
    version: (await c.query("SHOW server_version")).rows[0].server_version,
    synchronous_commit: (await c.query("SHOW synchronous_commit")).rows[0].synchronous_commit,
    fsync: (await c.query("SHOW fsync")).rows[0].fsync,
    wal_sync_method: (await c.query("SHOW wal_sync_method")).rows[0].wal_sync_method,
  }));
  env.postgresql = settings;
  if (settings.synchronous_commit === "off" || settings.fsync !== "on") {
    console.warn(`warning: the server has synchronous_commit=${settings.synchronous_commit}, fsync=${settings.fsync}: its commits are not durable, so neither are the PostgreSQL systems'`);
  }
}

/** Writes results/latest.md and latest.json: after every case (marked partial), and at the end. */
function save(complete) {
  const { markdown, summary } = render({ env, runs, systems: systems.map((s) => adapters[s]), drains: DRAINS });
  const text = complete ? markdown : `**Partial: ${runs.length} of ${reps * systems.length * DRAINS.length} cases so far.**\n\n${markdown}`;
  mkdirSync(here("./results"), { recursive: true });
  writeFileSync(here("./results/latest.md"), text);
  writeFileSync(here("./results/latest.json"), `${JSON.stringify({ env, complete, summary, runs: runs.map(({ keys, ...r }) => r) }, null, 2)}\n`);
  return text;
}

console.log(`peers benchmark: N=${jobs}, ${reps} repetition(s), Node ${process.version}, ${env.cpus} CPUs; systems: ${systems.join(", ")}`);
const runs = []; // { system, rep, drain, ...result } or { ..., error }
for (let rep = 1; rep <= reps; rep++) {
  for (const name of systems) {
    for (const drain of DRAINS) {
      const label = `rep ${rep}/${reps} ${name} ${drain.title}`;
      try {
        const result = await runCase(adapters[name], { jobs, processes: drain.processes, loops: drain.loops, url, scratch });
        runs.push({ system: name, rep, drain: drain.id, ...result });
        const cpu = `client ${result.client_cpu_us_per_job.toFixed(0)} µs/job` + (result.server_cpu_us_per_job === null ? "" : ` + server ${result.server_cpu_us_per_job.toFixed(0)}`);
        console.log(
          `${label}: fill ${result.fill_jobs_s.toFixed(0)} jobs/s, drain ${result.drain_jobs_s.toFixed(0)} jobs/s, ${cpu}${result.exactly_once ? "" : `  NOT EXACTLY ONCE: ${JSON.stringify({ duplicates: result.duplicates, missing: result.missing, db: result.db })}`}`,
        );
      } catch (error) {
        runs.push({ system: name, rep, drain: drain.id, error: error.message });
        console.error(`${label}: FAILED: ${error.message}`);
      }
      save(false);
    }
  }
}
rmSync(scratch, { recursive: true, force: true });

const markdown = save(true);
console.log(`\n${markdown}`);
console.log("written: bench/peers/results/latest.md, bench/peers/results/latest.json");
process.exit(runs.some((r) => r.error || r.exactly_once === false) ? 1 : 0);
