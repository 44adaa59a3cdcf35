/**
 * One server for many agents (`--http`): 50 MCP sessions on one server process claim and
 * complete 5,000 tasks with get_next_task and complete_task until none is left, on the JSON
 * and the SQLite store. Reports tasks/s, call latencies, the server's peak RSS, and whether
 * every task was completed exactly once (by the sessions' own records and the server's summary).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { cliPath, scratchDir } from "../lib/paths.mjs";
import { round, roundSummary, summarize } from "../lib/stats.mjs";

export const HTTP_SESSIONS = 50;
export const HTTP_TASKS = 5000;
const WORKFLOW = "bench";

function startServer(stateDir, store) {
  const child = spawn(process.execPath, [cliPath, "--http", "--port", "0", "--state-dir", stateDir, "--store", store], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      const found = /serving MCP at (http:\/\/\S+)/.exec(stderr);
      if (found) resolve({ child, url: new URL(found[1]) });
    });
    child.on("exit", (code) => reject(new Error(`the HTTP server exited (${code}): ${stderr.trim()}`)));
  });
}

async function connect(url, name) {
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

async function call(client, name, args, latencies) {
  const start = performance.now();
  const result = await client.callTool({ name, arguments: { workflow: WORKFLOW, ...args } });
  latencies?.push(performance.now() - start);
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent;
}

/** The server's peak resident set so far, in MB (Linux: VmHWM). */
function peakRssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"));
  return line ? round(Number(line.replace(/\D+/g, "")) / 1024, 1) : null;
}

async function drain(store, tasks, sessions, log) {
  log(`http: ${sessions} sessions on one --http server (${store} store) draining ${tasks.toLocaleString("en-US")} tasks`);
  const { child, url } = await startServer(scratchDir(`http-${store}`), store);
  try {
    const filler = await connect(url, "http-filler");
    for (let made = 0; made < tasks; made += 1000) {
      const batch = Array.from({ length: Math.min(1000, tasks - made) }, (_, k) => ({ task_type: "job", data: { n: made + k } }));
      await call(filler, "create_tasks", { tasks: batch });
    }
    const clients = await Promise.all(Array.from({ length: sessions }, (_, k) => connect(url, `http-w${k}`)));
    const getNext = [];
    const complete = [];
    const done = new Map();
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, k) => {
        for (;;) {
          const { task } = await call(client, "get_next_task", {}, getNext);
          if (!task) return;
          await call(client, "complete_task", { task_id: task.id }, complete);
          done.set(task.id, (done.get(task.id) ?? 0) + 1);
          if (task.locked_by !== `http-w${k}`) throw new Error(`task ${task.id} claimed as ${task.locked_by} by session http-w${k}`);
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    const summary = await call(filler, "summary", {});
    const exactlyOnce = done.size === tasks && [...done.values()].every((n) => n === 1) && summary.status_counts?.completed === tasks;
    const rssMb = peakRssMb(child.pid);
    await Promise.all([...clients, filler].map((client) => client.close()));
    return {
      store,
      sessions,
      tasks,
      tasks_s: round(tasks / (elapsedMs / 1000), 1),
      drain_s: round(elapsedMs / 1000, 2),
      get_next_task: roundSummary(summarize(getNext)),
      complete_task: roundSummary(summarize(complete)),
      server_peak_rss_mb: rssMb,
      exactly_once: exactlyOnce,
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.on("exit", resolve));
  }
}

export async function runHttpSection({ quick }, log) {
  const tasks = quick ? 1000 : HTTP_TASKS;
  const rows = [];
  for (const store of ["json", "sqlite"]) rows.push(await drain(store, tasks, HTTP_SESSIONS, log));
  return { rows };
}

export function httpReport({ rows }) {
  const lines = [
    "| store | sessions | tasks | tasks/s | get_next_task median / p99 ms | complete_task median / p99 ms | server peak RSS | exactly once |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.store} | ${r.sessions} | ${r.tasks.toLocaleString("en-US")} | ${r.tasks_s} | ${r.get_next_task.median} / ${r.get_next_task.p99} | ${r.complete_task.median} / ${r.complete_task.p99} | ${r.server_peak_rss_mb} MB | ${r.exactly_once ? "yes" : "**no**"} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
