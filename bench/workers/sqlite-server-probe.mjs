// The MCP server over a SQLite state directory holding a big workflow: an MCP client
// works it as agents and a person would (workflows, summary, the workflow resource, a
// page of tasks, a bulk create, claims and completions), then the server's memory is
// read from /proc: VmRSS now and VmHWM, its peak. args: cliPath stateDir rounds
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [cliPath, stateDir, rounds = "50"] = process.argv.slice(2);
const transport = new StdioClientTransport({ command: process.execPath, args: [cliPath, "--state-dir", stateDir, "--store", "sqlite"], stderr: "ignore" });
const client = new Client({ name: "server-probe", version: "1.0.0" });
await client.connect(transport);
const call = async (name, args = { workflow: "big" }) => {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent;
};
const started = performance.now();
await call("list_workflows", {});
const summary = await call("summary");
const resource = await client.readResource({ uri: "workflow://big" });
const resourceBytes = Buffer.byteLength(resource.contents[0]?.text ?? "");
await call("list_tasks", { workflow: "big", limit: 500 });
await call("list_tasks", { workflow: "big", status: "in_progress", limit: 500 });
await call("create_tasks", { workflow: "big", tasks: Array.from({ length: 100 }, (_, i) => ({ task_type: "extra", data: { i } })) });
for (let i = 0; i < Number(rounds); i++) {
  const { task } = await call("get_next_task", { workflow: "big" });
  await call("complete_task", { workflow: "big", task_id: task.id, result_data: { ok: true } });
}
const seconds = (performance.now() - started) / 1000;
const status = readFileSync(`/proc/${transport.pid}/status`, "utf8");
const mb = (field) => Math.round((Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024) * 10) / 10;
await client.close();
process.stdout.write(`${JSON.stringify({ total_tasks: summary.total_tasks, resource_bytes: resourceBytes, seconds, rss_mb: mb("VmRSS"), peak_rss_mb: mb("VmHWM") })}\n`);
