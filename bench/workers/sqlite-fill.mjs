// Fills workflow "big" of a SQLite state directory with N tasks by bulk create, CHUNK
// per call (each one transaction), and prints the time it took and the file's size.
// args: stateDir n chunk
import { statSync } from "node:fs";
import { join } from "node:path";
import { SQLITE_FILE_NAME, TaskManager } from "../../dist/index.js";

const [stateDir, n, chunk = "10000"] = process.argv.slice(2);
const total = Number(n);
const size = Number(chunk);
const tm = new TaskManager({ store: "sqlite", stateDir, workflow: "big", lockTimeout: 60 });
const types = ["extract", "transform", "load", "report"];
const started = performance.now();
for (let done = 0; done < total; done += size) {
  const count = Math.min(size, total - done);
  await tm.createTasks(Array.from({ length: count }, (_, k) => ({ type: types[(done + k) % types.length], data: { row: done + k } })));
}
const seconds = (performance.now() - started) / 1000;
await tm.close();
process.stdout.write(`${JSON.stringify({ tasks: total, chunk: size, seconds, tasks_per_s: total / seconds, db_bytes: statSync(join(stateDir, SQLITE_FILE_NAME)).size })}\n`);
