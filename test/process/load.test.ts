import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../src/index.js";
import { fixture } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";

const PROCESSES = 8;
const TASKS = 2_000;

interface WorkerReport {
  agentId: string;
  created: string[];
  completed: string[];
  released: string[];
  claims: number;
  summaries: number;
}

describe("exactly-once claims under load", () => {
  it(`${PROCESSES} processes mixing create, claim, complete, release and summary over ${TASKS} tasks`, async () => {
    const stateFile = join(await tempDir(), "load.json");
    const quota = TASKS / PROCESSES;
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => runNode(fixture("load-worker.mjs"), [stateFile, `agent-${i}`, String(quota), String(TASKS)])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const reports = results.map((result) => JSON.parse(result.stdout) as WorkerReport);

    const created = reports.flatMap((report) => report.created);
    const completed = reports.flatMap((report) => report.completed);
    const released = reports.flatMap((report) => report.released);
    expect(created).toHaveLength(TASKS);
    expect(new Set(created).size).toBe(TASKS);
    // Every task completed exactly once, by one process, and nothing else was completed.
    expect(completed).toHaveLength(TASKS);
    expect(new Set(completed)).toEqual(new Set(created));
    // Every claim ended in exactly one completion or release.
    expect(reports.reduce((sum, report) => sum + report.claims, 0)).toBe(completed.length + released.length);

    const tm = new TaskManager({ stateFile });
    const summary = await tm.getStatusSummary();
    expect(summary.total_tasks).toBe(TASKS);
    expect(summary.status_counts).toMatchObject({ completed: TASKS, pending: 0, in_progress: 0, failed: 0 });
    // A released task was claimed again: its attempts count both claims.
    const releasedOnce = new Set(released);
    let page = await tm.listTasks({ limit: 500 });
    const attempts = new Map<string, number>();
    for (;;) {
      for (const task of page.tasks) attempts.set(task.id, task.attempts);
      if (!page.next_cursor) break;
      page = await tm.listTasks({ limit: 500, cursor: page.next_cursor });
    }
    for (const id of created) expect(attempts.get(id)).toBe(releasedOnce.has(id) ? 2 : 1);
  }, 180_000);
});
