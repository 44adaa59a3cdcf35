// One worker of the pipeline drain: claims and completes tasks until none are left
// (or the time budget, in ms after "go", runs out; 0 = no budget), then prints the
// ids it completed as one JSON line.
import { TaskManager } from "../../dist/index.js";
import { waitForGo } from "../lib/processes.mjs";

const [stateFile, agentId, budgetMs = "0"] = process.argv.slice(2);
const tm = new TaskManager({ stateFile, lockTimeout: 120 });
await waitForGo();
const deadline = Number(budgetMs) > 0 ? performance.now() + Number(budgetMs) : Infinity;
const completed = [];
while (performance.now() < deadline) {
  const task = await tm.getNextTask({ agentId });
  if (!task) break;
  await tm.completeTask({ taskId: task.id, agentId, claimToken: task.claim_token, resultData: { by: agentId } });
  completed.push(task.id);
}
process.stdout.write(`${JSON.stringify({ agentId, completed })}\n`);
