// State files written before the coordination features — by the original Python
// module and by this package's first version — load unchanged, their missing
// fields taking their defaults, and every new feature works on their tasks.
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../src/index.js";
import { ManualClock, codeOf } from "../helpers/coordination.js";
import { seedModuleDir } from "../helpers/paths.js";
import { has } from "../helpers/requirements.js";
import { tempDir } from "../helpers/temp-dir.js";

function runSeed(stateFile: string, body: string): string {
  const script = `
import sys
sys.path.insert(0, ${JSON.stringify(seedModuleDir)})
from task_manager import TaskManager, TaskStatus
tm = TaskManager(${JSON.stringify(stateFile)}, task_timeout_hours=1)
${body}
`;
  return execFileSync("python3", ["-c", script], { encoding: "utf8" }).trim();
}

describe.skipIf(!has("python3"))("a file in the seed's exact format", () => {
  it("loads with defaults, and priorities, dependencies, leases, retries, idempotency and cancel work on it", async () => {
    const stateFile = join(await tempDir(), "seed.json");
    const [build, test, docs] = runSeed(
      stateFile,
      `
build = tm.create_task("build", {"target": "all"})
test = tm.create_task("test", parent_id=build)
docs = tm.create_task("docs")
tm.get_next_task("py-worker", ["build"])
print(build, test, docs)
`,
    ).split(" ") as [string, string, string];
    const seedBytes = await readFile(stateFile, "utf8");
    expect(seedBytes).not.toMatch(/attempts|priority|lease|history/);

    const clock = new ManualClock(new Date().toISOString());
    const tm = new TaskManager({ stateFile, clock: clock.now, taskTimeoutHours: 1 });
    // Missing fields are their defaults: no priority, no dependencies, ready; the seed's claim is held.
    expect(await tm.getStatusSummary()).toMatchObject({
      total_tasks: 3,
      status_counts: { pending: 2, in_progress: 1 },
      pending_counts: { ready: 2, conflicting: 0, scheduled: 0, waiting: 0, blocked: 0 },
    });
    expect(await tm.getTask(test)).toMatchObject({ attempts: 0, parent_id: build });
    expect(await tm.getTask(test)).not.toHaveProperty("history");

    // A new task depending on the seed's claimed one waits for it, even at a high priority.
    const deploy = await tm.createTask({ type: "deploy", dependsOn: [build], priority: 10, idempotencyKey: "deploy-1" });
    expect((await tm.createTasks([{ type: "deploy", idempotencyKey: "deploy-1" }]))[0]).toMatchObject({ id: deploy, already_existed: true });
    expect((await tm.getStatusSummary()).pending_counts).toMatchObject({ waiting: 1 });

    // The seed's claim has no lease: a heartbeat gives it one, from the task timeout.
    expect(await tm.heartbeatTask({ taskId: build, agentId: "py-worker" })).toMatchObject({ lease_seconds: 3600, lease_expires_at: clock.iso(3600) });
    // Its holder stops; past the lease the claim is released and the task retried by someone else.
    clock.advance(3601);
    const retried = await tm.getNextTask({ agentId: "ts-worker", taskTypes: ["build"] });
    expect(retried).toMatchObject({ id: build, attempts: 1, failures: 1, locked_by: "ts-worker", data: { target: "all" } });
    expect(await codeOf(tm.completeTask({ taskId: build, agentId: "py-worker" }))).toBe("NOT_CLAIM_HOLDER");
    await tm.completeTask({ taskId: build, agentId: "ts-worker", claimToken: retried?.claim_token });
    // Now the dependent is ready and goes first by priority.
    expect((await tm.getNextTask({ agentId: "ts-worker" }))?.id).toBe(deploy);

    // A coordinator cancels a seed task that nobody holds.
    expect(await tm.cancelTask({ taskId: docs, agentId: "coordinator" })).toMatchObject({ status: "cancelled" });

    // The file keeps the seed's structure, and the Python module still reads it.
    const onDisk = JSON.parse(await readFile(stateFile, "utf8"));
    expect(onDisk.workflow_type).toBe("generic");
    expect(onDisk.tasks[test]).toMatchObject({ type: "test", status: "pending", parent_id: build, locked_by: null, data: {} });
    const pythonSummary = JSON.parse(runSeed(stateFile, "import json\nprint(json.dumps(tm.get_status_summary()))"));
    expect(pythonSummary).toMatchObject({ total_tasks: 4, status_counts: { completed: 1, in_progress: 1, cancelled: 1, pending: 1 } });
  });
});

describe("a file from this package's first version", () => {
  it("loads unchanged, its claims without leases expiring by the task timeout", async () => {
    const stateFile = join(await tempDir(), "v1.json");
    const at = "2026-01-01T00:00:00.000Z";
    const base = { parent_id: null, locked_by: null, locked_at: null, created_at: at, completed_at: null, data: {} };
    await writeFile(
      stateFile,
      JSON.stringify({
        workflow_type: "generic",
        metadata: { initialized_at: at, last_updated: at, task_defaults: "whatever an old user kept here" },
        tasks: {
          a_00000001: { ...base, type: "a", status: "in_progress", locked_by: "old", locked_at: at, attempts: 3 },
          b_00000002: { ...base, type: "b", status: "pending", attempts: 0 },
        },
      }),
    );
    const clock = new ManualClock("2026-01-01T01:59:00.000Z");
    const tm = new TaskManager({ stateFile, clock: clock.now, taskTimeoutHours: 2 });
    expect(await tm.getNextTask({ agentId: "new" })).toMatchObject({ id: "b_00000002", attempts: 1 });
    expect(await tm.getNextTask({ agentId: "new" })).toBeNull(); // a's claim is within the task timeout
    clock.advance(61);
    expect(await tm.getNextTask({ agentId: "new" })).toMatchObject({ id: "a_00000001", attempts: 4, failures: 1 });
  });
});
