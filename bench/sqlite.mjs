// `npm run bench:sqlite`: the SQLite store at a million tasks (issue 8), printed as a
// table of its targets and written to bench/results/sqlite-latest.{json,md}. Options:
//   --quick          100,000 tasks and short runs: a smoke run, not for the record
//   --tasks=N        the workflow's size (default 1,000,000)
//   --out=DIR        write the results there instead of bench/results
// The section is bench/sections/sqlite-scale.mjs (runSqliteSection, sqliteReport), which
// `npm run bench` can run beside the JSON store and the seed.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { removeScratchDirs, resultsDir } from "./lib/paths.mjs";
import { round } from "./lib/stats.mjs";
import { runSqliteSection, sqliteReport } from "./sections/sqlite-scale.mjs";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, tasks: { type: "string" }, out: { type: "string" } } });
const started = Date.now();
const log = (message) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
const options = { quick: values.quick, ...(values.tasks !== undefined && { tasks: Number(values.tasks) }) };
let section;
try {
  section = await runSqliteSection(options, log);
} finally {
  removeScratchDirs();
}
const results = {
  startedAt: new Date(started).toISOString(),
  options,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? "unknown", node: process.version, platform: `${process.platform} ${process.arch}` },
  sqlite: section,
  durationS: round((Date.now() - started) / 1000, 1),
};
const markdown = sqliteReport(section);
const outDir = values.out ?? resultsDir;
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "sqlite-latest.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, "sqlite-latest.md"), `# SQLite store at scale\n\n${markdown}`);
process.stdout.write(`\n${markdown}\nWritten to ${outDir}: sqlite-latest.json, sqlite-latest.md\n`);
