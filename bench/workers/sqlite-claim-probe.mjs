// The time of one claim in a workflow of 1,000 tasks and in the big one, alone: claims
// by one agent alternate between the two (so both see the same disk and the same load
// from elsewhere), each timed from call to return and completed afterwards, untimed;
// the first few of each are not counted (warm-up).
// args: smallStateDir bigStateDir synchronous samples
import { TaskManager } from "../../dist/index.js";

const [smallDir, bigDir, synchronous, samples = "300"] = process.argv.slice(2);
const open = (stateDir) => new TaskManager({ store: "sqlite", stateDir, workflow: "big", sqliteSynchronous: synchronous, lockTimeout: 60 });
const workflows = { small: open(smallDir), big: open(bigDir) };
const timings = { small: [], big: [] };
const WARM_UP = 20;
for (let i = 0; i < Number(samples) + WARM_UP; i++) {
  for (const size of i % 2 === 0 ? ["small", "big"] : ["big", "small"]) {
    const tm = workflows[size];
    const start = performance.now();
    const task = await tm.getNextTask({ agentId: "probe" });
    const ms = performance.now() - start;
    if (!task) throw new Error(`the ${size} workflow ran out of tasks`);
    if (i >= WARM_UP) timings[size].push(ms);
    await tm.completeTask({ taskId: task.id, agentId: "probe", claimToken: task.claim_token });
  }
}
await Promise.all(Object.values(workflows).map((tm) => tm.close()));
process.stdout.write(`${JSON.stringify(timings)}\n`);
