/**
 * The coordination features end to end: the built server, the real MCP client, one
 * test (at least) per rule. Leases are short real times here, since the server runs
 * on the real clock; every wait only lets something run out, never races it.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, refusal, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { seedModuleDir } from "../helpers/paths.js";
import { has } from "../helpers/requirements.js";

interface TaskShape {
  id: string;
  status: string;
  locked_by: string | null;
  attempts: number;
  [field: string]: unknown;
}
type One = { task: TaskShape };
type Maybe = { task: TaskShape | null };

let stateDir: string;
let alice: RunningServer;
let bob: RunningServer;
let workflowCount = 0;
const freshWorkflow = (): string => `coord-${++workflowCount}`;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "tm-mcp-coord-"));
  [alice, bob] = await Promise.all([startServer({ stateDir, clientName: "alice" }), startServer({ stateDir, clientName: "bob" })]);
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await rm(stateDir, { recursive: true, force: true });
});

async function create(workflow: string, task_type: string, extra: Record<string, unknown> = {}): Promise<TaskShape> {
  return ok<One>(await alice.call("create_task", { workflow, task_type, ...extra })).task;
}
async function claim(server: RunningServer, workflow: string, extra: Record<string, unknown> = {}): Promise<TaskShape | null> {
  return ok<Maybe>(await server.call("get_next_task", { workflow, ...extra })).task;
}

describe("priority", () => {
  it("hands out the highest priority first, then the oldest", async () => {
    const workflow = freshWorkflow();
    const low = await create(workflow, "t");
    const high = await create(workflow, "t", { priority: 5 });
    const higher = await create(workflow, "t", { priority: 9 });
    expect([(await claim(alice, workflow))?.id, (await claim(alice, workflow))?.id, (await claim(alice, workflow))?.id]).toEqual([higher.id, high.id, low.id]);
    refusal(await alice.call("create_task", { workflow, task_type: "t", priority: 1.5 }), "INVALID_INPUT");
  });
});

describe("dependencies", () => {
  it("hands a chain out in order, shows blocked_by when a dependency fails, and refuses unknown ids", async () => {
    const workflow = freshWorkflow();
    const a = await create(workflow, "step");
    const b = await create(workflow, "step", { depends_on: [a.id], priority: 10 });
    expect((await claim(alice, workflow))?.id).toBe(a.id);
    expect(await claim(bob, workflow)).toBeNull();
    ok(await alice.call("complete_task", { workflow, task_id: a.id }));
    expect((await claim(bob, workflow))?.id).toBe(b.id);

    const build = await create(workflow, "build");
    const deploy = await create(workflow, "deploy", { depends_on: [build.id] });
    await claim(alice, workflow, { task_types: ["build"] });
    ok(await alice.call("complete_task", { workflow, task_id: build.id, status: "failed" }));
    const shown = await alice.call("get_task", { workflow, task_id: deploy.id });
    expect(ok<One>(shown).task.blocked_by).toEqual([build.id]);
    expect(textOf(shown)).toContain(`blocked_by=${build.id}`);
    const summary = ok<{ pending_counts: Record<string, number> }>(await alice.call("summary", { workflow }));
    expect(summary.pending_counts).toEqual({ ready: 0, conflicting: 0, scheduled: 0, waiting: 0, blocked: 1 });
    expect(refusal(await alice.call("create_task", { workflow, task_type: "x", depends_on: ["ghost_00000000"] }), "TASK_NOT_FOUND")).toContain("ghost_00000000");
  });
});

describe("scheduled tasks", () => {
  it("does not hand out a task before not_before or delay_seconds, and does once it has passed", async () => {
    const workflow = freshWorkflow();
    await create(workflow, "later", { delay_seconds: 3600 });
    await create(workflow, "later", { not_before: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await claim(alice, workflow)).toBeNull();
    const past = await create(workflow, "past", { not_before: "2020-01-01T00:00:00Z" });
    const soon = await create(workflow, "soon", { delay_seconds: 0.5 }); // newer, so past goes first even if soon is due
    expect((await claim(alice, workflow))?.id).toBe(past.id);
    await sleep(600);
    expect((await claim(alice, workflow))?.id).toBe(soon.id);
    expect(ok<{ pending_counts: Record<string, number> }>(await alice.call("summary", { workflow })).pending_counts.scheduled).toBe(2);
    refusal(await alice.call("create_task", { workflow, task_type: "x", not_before: "next week" }), "INVALID_INPUT");
  });
});

describe("leases and heartbeats", () => {
  it("lets another agent re-claim a task whose lease expired, and refuses the old holder's completion and heartbeat", async () => {
    const workflow = freshWorkflow();
    const task = await create(workflow, "t");
    const claimed = await claim(alice, workflow, { lease_seconds: 0.3 });
    expect(Date.parse(String(claimed?.lease_expires_at))).toBeGreaterThan(Date.parse(String(claimed?.locked_at)));
    await sleep(400);
    expect(await claim(bob, workflow, { lease_seconds: 600 })).toMatchObject({ id: task.id, locked_by: "bob", attempts: 2 });
    refusal(await alice.call("complete_task", { workflow, task_id: task.id }), "NOT_CLAIM_HOLDER");
    refusal(await alice.call("heartbeat_task", { workflow, task_id: task.id }), "NOT_CLAIM_HOLDER");
    expect(ok<One>(await bob.call("complete_task", { workflow, task_id: task.id })).task.status).toBe("completed");
  });

  it("keeps a long task alive with heartbeats while an unrenewed claim of the same lease runs out", async () => {
    const workflow = freshWorkflow();
    const kept = await create(workflow, "kept");
    const lapsed = await create(workflow, "lapsed");
    await claim(alice, workflow, { task_types: ["kept"], lease_seconds: 0.3 });
    await claim(alice, workflow, { task_types: ["lapsed"], lease_seconds: 0.3 });
    const beat = ok<{ task_id: string; lease_expires_at: string }>(await alice.call("heartbeat_task", { workflow, task_id: kept.id, lease_seconds: 3600 }));
    expect(beat.task_id).toBe(kept.id);
    expect(Date.parse(beat.lease_expires_at)).toBeGreaterThan(Date.now() + 3_000_000);
    await sleep(400);
    // Only the lapsed one is up for grabs; the heartbeated one is still alice's.
    expect((await claim(bob, workflow))?.id).toBe(lapsed.id);
    expect(await claim(bob, workflow)).toBeNull();
    expect(ok<One>(await alice.call("complete_task", { workflow, task_id: kept.id })).task.status).toBe("completed");
    refusal(await alice.call("heartbeat_task", { workflow, task_id: kept.id }), "TASK_NOT_IN_PROGRESS");
  });

  it("refuses a heartbeat from a second window of the same client once the claim was superseded", async () => {
    const workflow = freshWorkflow();
    const task = await create(workflow, "t");
    const window2 = await startServer({ stateDir, clientName: "alice" });
    try {
      await claim(alice, workflow, { lease_seconds: 0.3 });
      await sleep(400);
      expect(await claim(window2, workflow)).toMatchObject({ id: task.id, locked_by: "alice", attempts: 2 });
      refusal(await alice.call("heartbeat_task", { workflow, task_id: task.id }), "CLAIM_SUPERSEDED");
      ok(await window2.call("heartbeat_task", { workflow, task_id: task.id }));
    } finally {
      await window2.close();
    }
  });
});

describe("retries", () => {
  it("retries a failure with retry: true after the backoff, then ends failed with the last error", async () => {
    const workflow = freshWorkflow();
    const task = await create(workflow, "flaky", { max_attempts: 2, retry_delay_seconds: 2 });
    await claim(alice, workflow);
    const first = await alice.call("complete_task", { workflow, task_id: task.id, status: "failed", retry: true, result_data: { error: "timeout" } });
    expect(ok<One>(first).task).toMatchObject({ status: "pending", failures: 1, last_error: "timeout" });
    expect(ok<One>(first).task).not.toHaveProperty("locked_by");
    expect(textOf(first)).toContain("will retry");
    expect(await claim(alice, workflow)).toBeNull(); // backing off for 2 s
    await sleep(2100);
    expect(await claim(bob, workflow)).toMatchObject({ id: task.id, attempts: 2 });
    const last = ok<One>(await bob.call("complete_task", { workflow, task_id: task.id, status: "failed", retry: true, result_data: { error: "timeout again" } }));
    expect(last.task).toMatchObject({ status: "failed", failures: 2, last_error: "timeout again" });
    refusal(await alice.call("complete_task", { workflow, task_id: task.id, retry: true }), "retry");
  });
});

describe("idempotent create", () => {
  it("gives one task for the same key twice, and says so", async () => {
    const workflow = freshWorkflow();
    const first = ok<{ task: TaskShape; already_existed: boolean }>(await alice.call("create_task", { workflow, task_type: "t", idempotency_key: "k-1" }));
    const second = await bob.call("create_task", { workflow, task_type: "t", idempotency_key: "k-1" });
    expect(first.already_existed).toBe(false);
    expect(ok<{ task: TaskShape; already_existed: boolean }>(second)).toMatchObject({ task: { id: first.task.id }, already_existed: true });
    expect(textOf(second)).toContain("already existed");
    expect(ok<{ total_tasks: number }>(await alice.call("summary", { workflow })).total_tasks).toBe(1);
  });
});

describe("cancel", () => {
  it("cascades from complete_task and from cancel_task, reporting how many, and refuses a held task", async () => {
    const workflow = freshWorkflow();
    const root = await create(workflow, "root");
    await create(workflow, "child", { parent_id: root.id });
    const child = await create(workflow, "child", { parent_id: root.id });
    await create(workflow, "grandchild", { parent_id: child.id });
    const plan = await create(workflow, "plan");
    const step = await create(workflow, "step", { parent_id: plan.id });

    await claim(alice, workflow, { task_types: ["root"] });
    const cascaded = await alice.call("complete_task", { workflow, task_id: root.id, status: "cancelled", cascade: true });
    expect(ok<{ task: TaskShape; cancelled_descendants: number }>(cascaded)).toMatchObject({ task: { status: "cancelled" }, cancelled_descendants: 3 });
    expect(textOf(cascaded)).toContain("cancelled 3 pending descendants");

    await claim(bob, workflow, { task_types: ["step"] });
    refusal(await alice.call("cancel_task", { workflow, task_id: step.id }), "TASK_NOT_PENDING");
    const cancelled = ok<{ task_id: string; status: string; cancelled_descendants: number }>(
      await alice.call("cancel_task", { workflow, task_id: plan.id, cascade: true, reason: "plan changed" }),
    );
    expect(cancelled).toEqual({ task_id: plan.id, status: "cancelled", cancelled_descendants: 0 }); // its step is held by bob
    const history = ok<One>(await alice.call("get_task", { workflow, task_id: plan.id })).task.history as { event: string; agent?: string; detail?: string }[];
    expect(history.at(-1)).toMatchObject({ event: "cancelled", agent: "alice", detail: "plan changed" });
  });
});

describe("history", () => {
  it("is shown by get_task, and left out of claims and listings to keep them small", async () => {
    const workflow = freshWorkflow();
    const task = await create(workflow, "t");
    expect(task).not.toHaveProperty("history");
    expect(await claim(alice, workflow)).not.toHaveProperty("history");
    ok(await alice.call("heartbeat_task", { workflow, task_id: task.id }));
    ok(await alice.call("complete_task", { workflow, task_id: task.id }));
    const shown = ok<One>(await bob.call("get_task", { workflow, task_id: task.id })).task;
    expect((shown.history as { event: string }[]).map((entry) => entry.event)).toEqual(["created", "claimed", "heartbeat", "completed"]);
    expect(ok<{ tasks: TaskShape[] }>(await bob.call("list_tasks", { workflow })).tasks[0]).not.toHaveProperty("history");
  });
});

describe("workflow defaults", () => {
  it("are set with update_workflow_metadata and taken by new tasks and claims", async () => {
    const workflow = freshWorkflow();
    ok(await alice.call("update_workflow_metadata", { workflow, metadata: { task_defaults: { lease_seconds: 90, max_attempts: 3, retry_delay_seconds: 5 } } }));
    const task = await create(workflow, "t");
    expect(task).toMatchObject({ max_attempts: 3, retry_delay_seconds: 5 });
    const claimed = await claim(alice, workflow);
    expect(claimed?.lease_seconds).toBe(90);
    refusal(await alice.call("update_workflow_metadata", { workflow, metadata: { task_defaults: { max_attempts: -1 } } }), "INVALID_INPUT");
  });
});

describe.skipIf(!has("python3"))("a workflow file in the seed's format", () => {
  it("is served with leases, heartbeats and readiness counts", async () => {
    const workflow = freshWorkflow();
    const stateFile = join(stateDir, `${workflow}.json`);
    const script = `
import sys
sys.path.insert(0, ${JSON.stringify(seedModuleDir)})
from task_manager import TaskManager
tm = TaskManager(${JSON.stringify(stateFile)})
a = tm.create_task("analyze", {"file": "data.csv"})
tm.create_task("validate", parent_id=a)
print(a)
`;
    const analyze = execFileSync("python3", ["-c", script], { encoding: "utf8" }).trim();
    expect(ok<{ pending_counts: Record<string, number> }>(await alice.call("summary", { workflow })).pending_counts).toEqual({ ready: 2, conflicting: 0, scheduled: 0, waiting: 0, blocked: 0 });
    const report = await create(workflow, "report", { depends_on: [analyze] });
    expect(await claim(alice, workflow, { lease_seconds: 60 })).toMatchObject({ id: analyze, data: { file: "data.csv" }, lease_seconds: 60 });
    ok(await alice.call("heartbeat_task", { workflow, task_id: analyze }));
    ok(await alice.call("complete_task", { workflow, task_id: analyze }));
    expect((await claim(bob, workflow, { task_types: ["report"] }))?.id).toBe(report.id);
  });
});

describe("the tool list", () => {
  it("offers heartbeat_task and cancel_task, and the new arguments, with descriptions that say when to use them", async () => {
    const { tools } = await alice.client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.heartbeat_task?.description).toMatch(/lease/);
    expect(byName.cancel_task?.description).toMatch(/no longer needed/);
    expect(Object.keys(byName.create_task?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["priority", "depends_on", "not_before", "delay_seconds", "idempotency_key", "max_attempts", "retry_delay_seconds"]),
    );
    expect(Object.keys(byName.get_next_task?.inputSchema.properties ?? {})).toContain("lease_seconds");
    expect(Object.keys(byName.complete_task?.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(["retry", "cascade"]));
    expect(JSON.stringify({ tools }).length).toBeLessThan(16_000);
  });
});
