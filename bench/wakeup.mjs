#!/usr/bin/env node
/**
 * How soon a waiting agent hears of a change made by another process.
 *
 *   npm run build && node bench/wakeup.mjs [--runs 20]
 *
 * One MCP server process (node dist/cli.js) serves a client that waits in
 * get_next_task (wait_seconds 30) and is subscribed to workflow://wake. This process
 * is the other process: it creates a task with the library. Per run it records
 *   write:  how long createTask took (lock, write, fsync, rename, fsync directory);
 *   wake:   from createTask returning to the waiting client holding the claimed task
 *           (the server's watcher fires, it re-reads, claims under the lock, answers);
 *   update: from createTask returning to notifications/resources/updated arriving.
 * The change is visible once the rename is done, before createTask has fsynced the
 * directory and returned, so a notification can beat the return (negative samples);
 * wake_from_write and update_from_write count from the start of createTask instead.
 */
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CallToolResultSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { TaskManager } from "../dist/index.js";
import { cliPath, removeScratchDirs, scratchDir } from "./lib/paths.mjs";
import { roundSummary, summarize } from "./lib/stats.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const runs = Number(values.runs);
const WORKFLOW = "wake";

const stateDir = scratchDir("wakeup");
const transport = new StdioClientTransport({ command: process.execPath, args: [cliPath, "--state-dir", stateDir], stderr: "ignore" });
const client = new Client({ name: "bench-waiter", version: "1.0.0" });
await client.connect(transport);
const library = new TaskManager({ stateFile: `${stateDir}/${WORKFLOW}.json` });

// The workflow must exist to be subscribed to usefully; then subscribe.
const warmup = await library.createTask({ type: "warmup" });
await library.cancelTask({ taskId: warmup, agentId: "bench" });
let onUpdate = () => undefined;
client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => onUpdate(performance.now()));
await client.subscribeResource({ uri: `workflow://${WORKFLOW}` });

const samples = { write: [], wake: [], update: [], wake_from_write: [], update_from_write: [] };
for (let run = 0; run < runs; run++) {
  // The server sends its first progress notification as it starts waiting: only then is the change made.
  let waiting;
  const started = new Promise((resolve) => (waiting = resolve));
  const call = client.callTool(
    { name: "get_next_task", arguments: { workflow: WORKFLOW, task_types: ["job"], wait_seconds: 30 } },
    CallToolResultSchema,
    { onprogress: () => waiting(), timeout: 60_000 },
  );
  await started;
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the watcher settle after its first read
  const updated = new Promise((resolve) => (onUpdate = resolve));

  const writeStart = performance.now();
  const id = await library.createTask({ type: "job", data: { run } });
  const written = performance.now();
  const result = await call;
  const woke = performance.now();
  const updateAt = await updated;

  const task = result.structuredContent?.task;
  if (task?.id !== id) throw new Error(`run ${run}: expected ${id}, got ${JSON.stringify(result)}`);
  samples.write.push(written - writeStart);
  samples.wake.push(woke - written);
  samples.update.push(updateAt - written);
  samples.wake_from_write.push(woke - writeStart);
  samples.update_from_write.push(updateAt - writeStart);
  await client.callTool({ name: "complete_task", arguments: { workflow: WORKFLOW, task_id: id } });
  onUpdate = () => undefined;
  await new Promise((resolve) => setTimeout(resolve, 150)); // let the completion's own notification pass
}

await client.close();
removeScratchDirs();

const report = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, roundSummary({ ...summarize(values), max: Math.max(...values) })]));
process.stdout.write(`wake-up after another process's change, ${runs} runs (ms):\n`);
for (const [name, summary] of Object.entries(report)) {
  process.stdout.write(`  ${name.padEnd(17)} median ${summary.median}  mean ${summary.mean}  max ${summary.max}\n`);
}
process.stdout.write(`${JSON.stringify({ runs, ...report })}\n`);
