/**
 * Section 3, through MCP: P clients, each with its own server process over stdio,
 * drain 1,000 tasks with get_next_task and complete_task.
 */
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { cliPath, scratchDir, workerPath } from "../lib/paths.mjs";
import { runJson, runTogether, startWorker } from "../lib/processes.mjs";
import { round, roundSummary, summarize } from "../lib/stats.mjs";
import { checkExactlyOnce } from "../lib/verify.mjs";

export const MCP_TASKS = 1000;

export async function runMcpSection(options, log) {
  if (!existsSync(cliPath)) {
    log("mcp: dist/cli.js is missing (the MCP server is not built); section skipped");
    return { skipped: "the MCP server (dist/cli.js) is not there" };
  }
  const fillDir = scratchDir("mcp-fill");
  await runJson(process.execPath, [workerPath("fill-worker.mjs"), join(fillDir, "bench.json"), String(MCP_TASKS), "0"]);
  const rows = [];
  for (const p of [1, 4]) {
    log(`mcp: ${p} client(s), each with its own server, draining ${MCP_TASKS} tasks`);
    const stateDir = scratchDir(`mcp-${p}`);
    const stateFile = join(stateDir, "bench.json");
    copyFileSync(join(fillDir, "bench.json"), stateFile);
    const clients = Array.from({ length: p }, (_, k) => startWorker(process.execPath, [workerPath("mcp-client.mjs"), cliPath, stateDir, `mcp-w${k}`]));
    const { results, elapsedMs } = await runTogether(clients);
    const check = checkExactlyOnce(stateFile, results, { full: true, total: MCP_TASKS });
    rows.push({
      clients: p,
      tasks_s: round(MCP_TASKS / (elapsedMs / 1000), 1),
      drain_s: round(elapsedMs / 1000, 2),
      get_next_task: roundSummary(summarize(results.flatMap((r) => r.getNext))),
      complete_task: roundSummary(summarize(results.flatMap((r) => r.complete))),
      exactly_once: check.ok,
      problems: check.problems,
    });
  }
  return { tasks: MCP_TASKS, rows };
}
