/** Peak RSS with a 50,000-task workflow: the library in one process, and the MCP server. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cliPath, scratchDir, workerPath } from "../lib/paths.mjs";
import { runJson } from "../lib/processes.mjs";

export const MEMORY_TASKS = 50_000;

export async function runMemorySection(options, log) {
  const dir = scratchDir("memory");
  log(`memory: building a ${MEMORY_TASKS}-task workflow`);
  await runJson(process.execPath, [workerPath("fill-worker.mjs"), join(dir, "bench.json"), String(MEMORY_TASKS), "0"]);
  const rounds = options.quick ? "5" : "20";
  log("memory: library process");
  const library = await runJson(process.execPath, [workerPath("memory-probe.mjs"), "library", dir, cliPath, rounds]);
  let server = null;
  if (existsSync(cliPath)) {
    log("memory: MCP server process");
    server = await runJson(process.execPath, [workerPath("memory-probe.mjs"), "server", dir, cliPath, rounds]);
  }
  return { tasks: MEMORY_TASKS, calls: `summary, list_tasks, then ${rounds} × (create, claim, complete)`, library_peak_rss_mb: library.peak_rss_mb, server_peak_rss_mb: server?.peak_rss_mb ?? null };
}
