// Fills a workflow the way the seed's bench does: one create call per task. With a
// prefill, the first tasks are created in one batch (untimed) and only the last
// ones are timed one by one, to sample the fill rate near N without the whole fill.
// Prints {timed, seconds} as one JSON line.
import { TaskManager } from "../../dist/index.js";

const [stateFile, total, timedCount] = process.argv.slice(2).map((arg, i) => (i === 0 ? arg : Number(arg)));
const tm = new TaskManager({ stateFile, lockTimeout: 120 });
const prefill = total - timedCount;
for (let done = 0; done < prefill; done += 10_000) {
  const batch = [];
  for (let i = done; i < Math.min(prefill, done + 10_000); i++) batch.push({ type: "work", data: { i } });
  await tm.createTasks(batch);
}
const start = performance.now();
for (let i = prefill; i < total; i++) await tm.createTask({ type: "work", data: { i } });
const seconds = (performance.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({ prefill, timed: timedCount, seconds })}\n`);
