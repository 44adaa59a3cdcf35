#!/usr/bin/env node
/**
 * npm run demo: three simulated agents share one task queue through the real MCP
 * server. Each agent is an MCP Client with its own name, talking over stdio to its
 * own `task-manager-mcp` process, exactly as three editor windows would; all three
 * servers share one (temporary) state directory.
 *
 * alice plans: three "analyze" tasks. Whoever claims an analyze task splits it into
 * child tasks (write-tests, review) and completes it; the children are claimed and
 * finished by whoever is free. Before the rush, bob is refused when he tries to
 * complete alice's task, and carol claims a task and releases it for someone else. At the end: who did what, each parent's children, and the summary.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const WORKFLOW = "pipeline";
const AGENTS = ["alice", "bob", "carol"];
const FILES = ["src/auth.ts", "src/billing.ts", "src/invoices.ts"];

const stateDir = await mkdtemp(join(tmpdir(), "task-manager-demo-"));
const log = (agent, message) => console.log(`${agent.padEnd(6)} ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const done = Object.fromEntries(AGENTS.map((name) => [name, []]));

/** One agent: an MCP client named `name`, connected to its own server process. */
async function connect(name) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, "--state-dir", stateDir], stderr: "ignore" });
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport);
  const call = async (tool, args = {}) => {
    const result = await client.callTool({ name: tool, arguments: { workflow: WORKFLOW, ...args } });
    if (result.isError) throw new Error(result.content[0].text);
    return result.structuredContent;
  };
  /** Like call, but returns the refusal text instead of throwing. */
  const attempt = async (tool, args) => client.callTool({ name: tool, arguments: { workflow: WORKFLOW, ...args } });
  return { name, client, call, attempt };
}

/** Do one claimed task the way a worker would, spawning children for an analyze task. */
async function work(agent, task) {
  await sleep(40 + Math.random() * 60); // "thinking"
  if (task.type === "analyze") {
    const children = [];
    // Both children edit the file, so the queue never hands them to two agents at once.
    for (const type of ["write-tests", "review"]) {
      const paths = [task.data.file, ...(type === "write-tests" ? [task.data.file.replace(/^src\/(.*)\.ts$/, "test/$1.test.ts")] : [])];
      const { task: child } = await agent.call("create_task", { task_type: type, parent_id: task.id, data: { file: task.data.file }, paths });
      children.push(child.id);
    }
    log(agent.name, `split ${task.id} into ${children.join(", ")}`);
    return { children: children.length, summary: `2 risky functions in ${task.data.file}` };
  }
  if (task.type === "write-tests") return { tests_added: 3 + Math.floor(Math.random() * 5) };
  return { approved: true, comments: 1 + Math.floor(Math.random() * 3) };
}

async function workLoop(agent) {
  for (;;) {
    const { task } = await agent.call("get_next_task");
    if (!task) {
      const summary = await agent.call("summary");
      if (summary.status_counts.pending + summary.status_counts.in_progress === 0) return;
      await sleep(30); // others are still working and may add tasks
      continue;
    }
    log(agent.name, `claimed ${task.id} (${task.type} ${task.data.file})`);
    const result = await work(agent, task);
    await agent.call("complete_task", { task_id: task.id, result_data: result });
    done[agent.name].push(`${task.type} ${task.data.file}`);
    log(agent.name, `completed ${task.id} ${JSON.stringify(result)}`);
  }
}

const agents = [];
try {
  console.log(`task-manager-mcp demo: 3 agents, each an MCP client with its own server process, sharing ${stateDir}\n`);
  for (const name of AGENTS) agents.push(await connect(name));
  const [alice, bob] = agents;
  const { tools } = await alice.client.listTools();
  console.log(`connected ${AGENTS.join(", ")}; tools: ${tools.map((tool) => tool.name).join(", ")}\n`);

  for (const file of FILES) {
    const { task } = await alice.call("create_task", { task_type: "analyze", data: { file } });
    log("alice", `created ${task.id} (analyze ${file})`);
  }
  await alice.call("update_workflow_metadata", { metadata: { goal: "tests and review for the payment code" } });

  // Identity: a claim belongs to the client that made it.
  const { task: first } = await alice.call("get_next_task");
  log("alice", `claimed ${first.id} (${first.type} ${first.data.file})`);
  const refused = await bob.attempt("complete_task", { task_id: first.id });
  log("bob", `tried to complete ${first.id}: ${refused.content[0].text.slice(0, 80)}...`);
  const result = await work(alice, first);
  await alice.call("complete_task", { task_id: first.id, result_data: result });
  done.alice.push(`${first.type} ${first.data.file}`);
  log("alice", `completed ${first.id} ${JSON.stringify(result)}`);

  // A claim can be given back: carol takes the next task and releases it for someone else.
  const carol = agents[2];
  const { task: handedBack } = await carol.call("get_next_task");
  log("carol", `claimed ${handedBack.id} (${handedBack.type} ${handedBack.data.file})`);
  await carol.call("release_task", { task_id: handedBack.id });
  log("carol", `released ${handedBack.id}: she is called away; it is pending again for anyone`);

  // Now all three work the queue at once.
  console.log("\nall three agents work the queue concurrently:");
  await Promise.all(agents.map((agent) => workLoop(agent)));

  console.log("\nwho did what:");
  for (const name of AGENTS) console.log(`  ${name.padEnd(6)} ${done[name].length}: ${done[name].join("; ") || "-"}`);

  console.log("\nparents and their children (get_task_children):");
  const { tasks: parents } = await alice.call("list_tasks", { task_type: "analyze" });
  for (const parent of parents) {
    const { tasks: children } = await alice.call("get_task_children", { task_id: parent.id });
    const shown = children.map((child) => `${child.type} ${child.status}`).join(", ");
    console.log(`  ${parent.id} (${parent.data.file}) ${parent.status}; children: ${shown}`);
  }

  const summary = await alice.call("summary");
  console.log(`\nsummary: ${summary.total_tasks} tasks, ${JSON.stringify(summary.status_counts)}, by type ${JSON.stringify(summary.type_counts)}`);
  const every = await alice.call("list_tasks", { limit: 500 });
  const claims = every.tasks.reduce((sum, task) => sum + task.attempts, 0);
  const finishedOnce = Object.values(done).flat().length === every.tasks.length;
  console.log(`claims: ${claims} for ${every.tasks.length} tasks (${claims - every.tasks.length} released and claimed again); each task done once: ${finishedOnce}`);
  if (!finishedOnce || summary.status_counts.completed !== summary.total_tasks) process.exitCode = 1;
} finally {
  await Promise.all(agents.map((agent) => agent.client.close()));
  await rm(stateDir, { recursive: true, force: true });
}
