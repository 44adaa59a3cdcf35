// One process of the SQLite drain: AGENTS agents of this process claim and complete
// tasks of workflow "big" concurrently until the budget (ms after "go") runs out, then
// it prints the ids they completed. With more than one agent, their changes share
// transactions (group commit, src/store/sqlite/shared-transaction.ts).
// args: stateDir synchronous agents name budgetMs
import { TaskManager } from "../../dist/index.js";
import { waitForGo } from "../lib/processes.mjs";

const [stateDir, synchronous, agents, name, budgetMs] = process.argv.slice(2);
const tm = new TaskManager({ store: "sqlite", stateDir, workflow: "big", sqliteSynchronous: synchronous, lockTimeout: 120 });
await tm.getStatusSummary(); // opened, schema read: start-up is not counted
await waitForGo();
const deadline = performance.now() + Number(budgetMs);
const completed = [];
async function agent(agentId) {
  while (performance.now() < deadline) {
    const task = await tm.getNextTask({ agentId });
    if (!task) return;
    await tm.completeTask({ taskId: task.id, agentId, claimToken: task.claim_token, resultData: { by: agentId } });
    completed.push(task.id);
  }
}
await Promise.all(Array.from({ length: Number(agents) }, (_, i) => agent(`${name}-a${i}`)));
await tm.close();
process.stdout.write(`${JSON.stringify({ name, completed })}\n`);
