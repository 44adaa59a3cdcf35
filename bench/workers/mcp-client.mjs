// One MCP client with its own server process (node dist/cli.js over stdio): claims
// with get_next_task and finishes with complete_task until none is left. Prints the
// ids it completed and the latency of every call as one JSON line.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { waitForGo } from "../lib/processes.mjs";

const [cliPath, stateDir, agentId] = process.argv.slice(2);
const transport = new StdioClientTransport({ command: process.execPath, args: [cliPath, "--state-dir", stateDir], stderr: "ignore" });
// The server takes the agent id from the client's name.
const client = new Client({ name: agentId, version: "1.0.0" });
await client.connect(transport);
await client.listTools();

async function call(name, args, latencies) {
  const start = performance.now();
  const result = await client.callTool({ name, arguments: { workflow: "bench", ...args } });
  latencies.push(performance.now() - start);
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent;
}

await waitForGo();
const getNext = [];
const complete = [];
const completed = [];
for (;;) {
  const { task } = await call("get_next_task", {}, getNext);
  if (!task) break;
  await call("complete_task", { task_id: task.id, result_data: { by: agentId } }, complete);
  completed.push(task.id);
}
process.stdout.write(`${JSON.stringify({ agentId, completed, getNext, complete })}\n`);
await client.close();
