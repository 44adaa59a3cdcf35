// Peak memory with a big workflow. Builds (or reuses) a workflow of N tasks, then
// works on it the way a server does: summary, a page of tasks, creates, claims and
// completions. Mode "library": in this process, peak RSS from the kernel's count.
// Mode "server": the same calls through the MCP server (node dist/cli.js, its own
// process) from an MCP client; the server's peak RSS from /proc/PID/status (VmHWM).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { TaskManager } from "../../dist/index.js";

const [mode, stateDir, cliPath, rounds = "20"] = process.argv.slice(2);
const stateFile = join(stateDir, "bench.json");

if (mode === "library") {
  const tm = new TaskManager({ stateFile, lockTimeout: 60 });
  await tm.getStatusSummary();
  await tm.listTasks({ limit: 50 });
  for (let i = 0; i < Number(rounds); i++) {
    await tm.createTask({ type: "work", data: { i } });
    const task = await tm.getNextTask({ agentId: "probe" });
    await tm.completeTask({ taskId: task.id, agentId: "probe", claimToken: task.claim_token, resultData: { by: "probe" } });
  }
  const peakMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ mode, peak_rss_mb: Math.round(peakMb * 10) / 10 })}\n`);
} else {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cliPath, "--state-dir", stateDir], stderr: "ignore" });
  const client = new Client({ name: "memory-probe", version: "1.0.0" });
  await client.connect(transport);
  const call = async (name, args) => {
    const result = await client.callTool({ name, arguments: { workflow: "bench", ...args } });
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    return result.structuredContent;
  };
  await call("summary", {});
  await call("list_tasks", { limit: 50 });
  for (let i = 0; i < Number(rounds); i++) {
    await call("create_task", { task_type: "work", data: { i } });
    const { task } = await call("get_next_task", {});
    await call("complete_task", { task_id: task.id, result_data: { by: "probe" } });
  }
  const status = readFileSync(`/proc/${transport.pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  await client.close();
  process.stdout.write(`${JSON.stringify({ mode, peak_rss_mb: Math.round((kb / 1024) * 10) / 10 })}\n`);
}
