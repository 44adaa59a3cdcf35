// `npm run bench`: the JSON store against the original design, and the other stores. Runs the sections one after another on
// this machine, prints the tables, and writes bench/results/latest.{json,md} and
// cost-curve.svg. Options: USAGE below (`npm run bench -- --help`). The sqlite section
// is the SQLite store at a million tasks (minutes more); postgres needs a server (see
// bench/sections/postgres.mjs); http is one --http server with 50 sessions (bench/sections/http.mjs);
// paths is what path conflicts and reservations cost a claim on each store (bench/sections/paths.mjs).
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { removeScratchDirs, resultsDir } from "./lib/paths.mjs";
import { round } from "./lib/stats.mjs";
import { costCurveSvg } from "./report/chart.mjs";
import { markdownReport, targets } from "./report/tables.mjs";
import { runCostSection } from "./sections/cost-curve.mjs";
import { runDrainSection } from "./sections/drain.mjs";
import { runMcpSection } from "./sections/mcp.mjs";
import { runMemorySection } from "./sections/memory.mjs";
import { httpReport, runHttpSection } from "./sections/http.mjs";
import { pathsReport, runPathsSection } from "./sections/paths.mjs";
import { postgresReport, runPostgresSection } from "./sections/postgres.mjs";
import { runSqliteSection, sqliteReport } from "./sections/sqlite-scale.mjs";

const DEFAULT_SECTIONS = ["drain", "cost", "mcp", "memory", "paths"];
const SECTIONS = [...DEFAULT_SECTIONS, "sqlite", "postgres", "http"];
const USAGE = `usage: npm run bench -- [--quick] [--only=${SECTIONS.join(",")}] [--full-seed] [--out=DIR]
  --quick       fewer samples and shorter budgets: a smoke run, not for the record
  --only=a,b    run only these sections (default ${DEFAULT_SECTIONS.join(",")}; the others only when named)
  --full-seed   drain N=10,000 to the end for both (the seed takes an hour or more)
  --out=DIR     write results there instead of bench/results`;
let values;
try {
  ({ values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      "full-seed": { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const only = values.only ? values.only.split(",") : DEFAULT_SECTIONS;
const unknown = only.filter((s) => !SECTIONS.includes(s));
if (unknown.length) {
  console.error(`unknown section(s) ${unknown.join(", ")}; known: ${SECTIONS.join(", ")}`);
  process.exit(2);
}
const options = { quick: values.quick, fullSeed: values["full-seed"] };
const outDir = values.out ?? resultsDir;
const started = Date.now();
const log = (message) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

const results = {
  startedAt: new Date(started).toISOString(),
  options: { ...options, only },
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? "unknown", node: process.version, platform: `${process.platform} ${process.arch}` },
};

try {
  // The drain first: it runs the seed, which is what most of the run's time is spent on.
  if (only.includes("drain")) results.drain = await runDrainSection(options, log);
  if (only.includes("cost")) results.cost = await runCostSection(options, log);
  if (only.includes("memory")) results.memory = await runMemorySection(options, log);
  if (only.includes("mcp")) results.mcp = await runMcpSection(options, log);
  if (only.includes("paths")) results.paths = await runPathsSection({ quick: options.quick }, log);
  if (only.includes("sqlite")) results.sqlite = await runSqliteSection({ quick: options.quick }, log);
  if (only.includes("postgres")) results.postgres = await runPostgresSection({ quick: options.quick }, log);
  if (only.includes("http")) results.http = await runHttpSection({ quick: options.quick }, log);
} finally {
  removeScratchDirs();
}
results.durationS = round((Date.now() - started) / 1000, 1);
results.targets = targets(results);

mkdirSync(outDir, { recursive: true });
let markdown = markdownReport(results);
if (results.sqlite) markdown += `\n### SQLite store at scale\n\n${sqliteReport(results.sqlite)}`;
if (results.postgres) markdown += `\n### PostgreSQL store\n\n${postgresReport(results.postgres)}`;
if (results.paths) markdown += `\n### What path conflicts cost a claim\n\n${pathsReport(results.paths)}`;
if (results.http) markdown += `\n### One HTTP server for many agents\n\n${httpReport(results.http)}`;
writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, "latest.md"), `# Benchmark results\n\n${markdown}`);
if (results.cost) writeFileSync(join(outDir, "cost-curve.svg"), costCurveSvg(results.cost, "task-manager-mcp: cost of one operation"));
process.stdout.write(`\n${markdown}\nWritten to ${outDir}: latest.json, latest.md${results.cost ? ", cost-curve.svg" : ""}\n`);
