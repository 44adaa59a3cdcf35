import { describe, expect, it } from "vitest";
import { TaskManager, TaskStatus, type TaskManagerError, type WorkflowState } from "../../src/index.js";
import { describeStores } from "../helpers/stores.js";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as TaskManagerError).code ?? `not coded: ${String(error)}`;
  }
  return "no error";
}

describeStores("createTask", (store) => {
  it("creates a pending task with the seed's fields and an id of the form <type>_<8 hex>", async () => {
    const { tm } = await store.open();
    const id = await tm.createTask({ type: "analyze", data: { file: "data.csv", params: { threshold: 0.8 } } });
    expect(id).toMatch(/^analyze_[0-9a-f]{8}$/);
    const task = await tm.getTask(id);
    expect(task).toMatchObject({
      id,
      type: "analyze",
      status: "pending",
      parent_id: null,
      locked_by: null,
      locked_at: null,
      completed_at: null,
      data: { file: "data.csv", params: { threshold: 0.8 } },
      attempts: 0,
    });
    expect(task?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("keeps nothing before the first write, then the workflow in the seed's structure", async () => {
    const { tm, stored } = await store.open();
    expect(await stored()).toBeNull();
    const id = await tm.createTask({ type: "t" });
    const onDisk = (await stored()) as WorkflowState;
    expect(onDisk.workflow_type).toBe("generic");
    expect(onDisk.metadata.initialized_at).toEqual(expect.any(String));
    expect(onDisk.metadata.last_updated).toEqual(expect.any(String));
    expect(Object.keys(onDisk.tasks)).toEqual([id]);
    expect(onDisk.tasks[id]).not.toHaveProperty("id");
    expect(onDisk.tasks[id]?.data).toEqual({});
  });

  it("links a child to its parent and lists children", async () => {
    const { tm } = await store.open();
    const parent = await tm.createTask({ type: "analyze" });
    const child = await tm.createTask({ type: "validate", data: { validation_type: "schema" }, parentId: parent });
    await tm.createTask({ type: "other" });
    expect((await tm.getTask(child))?.parent_id).toBe(parent);
    expect((await tm.getTaskChildren(parent)).map((t) => t.id)).toEqual([child]);
    expect(await tm.getTaskChildren(child)).toEqual([]);
  });

  it("refuses an unknown parent, and writes nothing", async () => {
    const { tm, snapshot } = await store.open();
    await tm.createTask({ type: "a" });
    const before = await snapshot();
    expect(await codeOf(tm.createTask({ type: "b", parentId: "nope_00000000" }))).toBe("TASK_NOT_FOUND");
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["an empty type", { type: "" }],
    ["a type with a slash", { type: "a/b" }],
    ["a type with spaces", { type: "two words" }],
    ["data that is not an object", { type: "a", data: [1, 2] }],
    ["data with a function", { type: "a", data: { f: () => 1 } }],
    ["an unknown field", { type: "a", priority_typo: 1 }],
  ])("refuses %s with INVALID_INPUT and creates no file", async (_label, input) => {
    const { tm, snapshot } = await store.open();
    const before = await snapshot();
    expect(await codeOf(tm.createTask(input as never))).toBe("INVALID_INPUT");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses data over the size limit with a message naming the limit", async () => {
    const { tm } = await store.open({ maxPayloadBytes: 100 });
    await expect(tm.createTask({ type: "a", data: { blob: "x".repeat(200) } })).rejects.toThrow(/limit of 100 bytes/);
  });

  it("creates many tasks in one call, all or none", async () => {
    const { tm } = await store.open();
    const tasks = await tm.createTasks([{ type: "a" }, { type: "b" }, { type: "c" }]);
    expect(tasks.map((t) => t.type)).toEqual(["a", "b", "c"]);
    expect(await codeOf(tm.createTasks([{ type: "d" }, { type: "e", parentId: "missing_12345678" }]))).toBe("TASK_NOT_FOUND");
    expect((await tm.getStatusSummary()).total_tasks).toBe(3);
  });
});

describeStores("getNextTask", (store) => {
  it("claims the oldest pending task, records holder, time and attempt", async () => {
    const { tm } = await store.open();
    const first = await tm.createTask({ type: "work" });
    const second = await tm.createTask({ type: "work" });
    const claimed = await tm.getNextTask({ agentId: "worker-001" });
    expect(claimed).toMatchObject({ id: first, status: "in_progress", locked_by: "worker-001", attempts: 1 });
    expect(claimed?.locked_at).toEqual(expect.any(String));
    expect((await tm.getNextTask({ agentId: "worker-002" }))?.id).toBe(second);
    expect(await tm.getNextTask({ agentId: "worker-003" })).toBeNull();
  });

  it("filters by task type", async () => {
    const { tm } = await store.open();
    await tm.createTask({ type: "extract" });
    const transform = await tm.createTask({ type: "transform" });
    expect((await tm.getNextTask({ agentId: "w", taskTypes: ["transform"] }))?.id).toBe(transform);
    expect(await tm.getNextTask({ agentId: "w", taskTypes: ["transform"] })).toBeNull();
    expect((await tm.getNextTask({ agentId: "w", taskTypes: ["extract", "transform"] }))?.type).toBe("extract");
  });

  it("returns null on an empty or missing workflow without creating it", async () => {
    const { tm, snapshot, stored } = await store.open();
    const before = await snapshot();
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
    expect(await snapshot()).toEqual(before);
    expect(await stored()).toBeNull();
  });

  it("refuses an empty agent id or a bad type filter", async () => {
    const { tm } = await store.open();
    expect(await codeOf(tm.getNextTask({ agentId: "" }))).toBe("INVALID_INPUT");
    expect(await codeOf(tm.getNextTask({ agentId: "w", taskTypes: ["../x"] }))).toBe("INVALID_INPUT");
  });

  it("releases a claim older than the task timeout and lets another agent claim it", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const { tm } = await store.open({ clock: () => now, taskTimeoutHours: 0.5 });
    const id = await tm.createTask({ type: "work" });
    expect((await tm.getNextTask({ agentId: "slow" }))?.id).toBe(id);
    now = new Date("2026-01-01T00:29:00Z");
    expect(await tm.getNextTask({ agentId: "fast" })).toBeNull(); // still within 30 minutes
    now = new Date("2026-01-01T00:31:00Z");
    const reclaimed = await tm.getNextTask({ agentId: "fast" });
    expect(reclaimed).toMatchObject({ id, locked_by: "fast", attempts: 2 });
    // The old holder can no longer finish it.
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "slow" }))).toBe("NOT_CLAIM_HOLDER");
  });
});

describeStores("completeTask and releaseTask", (store) => {
  it("completes with a result, clearing the claim", async () => {
    const { tm } = await store.open();
    const id = await tm.createTask({ type: "work" });
    const claim = await tm.getNextTask({ agentId: "w1" });
    const done = await tm.completeTask({ taskId: id, agentId: "w1", claimToken: claim?.claim_token, status: TaskStatus.COMPLETED, resultData: { output: "results.json" } });
    expect(done).toMatchObject({ id, status: "completed", locked_by: null, locked_at: null, result: { output: "results.json" } });
    expect(done.completed_at).toEqual(expect.any(String));
    expect(await tm.getTask(id)).toEqual(done);
  });

  it.each([TaskStatus.FAILED, TaskStatus.CANCELLED])("finishes with status %s", async (status) => {
    const { tm } = await store.open();
    const id = await tm.createTask({ type: "work" });
    const claim = await tm.getNextTask({ agentId: "w1" });
    expect((await tm.completeTask({ taskId: id, agentId: "w1", claimToken: claim?.claim_token, status, resultData: { error: "boom" } })).status).toBe(status);
  });

  it("refuses a status that does not finish a task", async () => {
    const { tm } = await store.open();
    const id = await tm.createTask({ type: "work" });
    const claim = await tm.getNextTask({ agentId: "w1" });
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "w1", claimToken: claim?.claim_token, status: "pending" as never }))).toBe("INVALID_INPUT");
  });

  it("refuses, with a reason, whoever does not hold the claim, and changes nothing", async () => {
    const { tm, snapshot } = await store.open();
    const id = await tm.createTask({ type: "work" });
    const pending = await tm.createTask({ type: "later" });
    await tm.getNextTask({ agentId: "owner", taskTypes: ["work"] });
    const before = await snapshot();
    await expect(tm.completeTask({ taskId: id, agentId: "intruder" })).rejects.toThrow(/held by "owner", not by "intruder"/);
    expect(await codeOf(tm.releaseTask({ taskId: id, agentId: "intruder" }))).toBe("NOT_CLAIM_HOLDER");
    expect(await codeOf(tm.completeTask({ taskId: pending, agentId: "owner" }))).toBe("TASK_NOT_IN_PROGRESS");
    expect(await codeOf(tm.completeTask({ taskId: "work_ffffffff", agentId: "owner" }))).toBe("TASK_NOT_FOUND");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses to finish a task twice", async () => {
    const { tm } = await store.open();
    const id = await tm.createTask({ type: "work" });
    const claim = await tm.getNextTask({ agentId: "w" });
    await tm.completeTask({ taskId: id, agentId: "w", claimToken: claim?.claim_token });
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "w", claimToken: claim?.claim_token }))).toBe("TASK_NOT_IN_PROGRESS");
  });

  it("releases a claim back to pending so another agent can take it", async () => {
    const { tm } = await store.open();
    const id = await tm.createTask({ type: "work" });
    const claim = await tm.getNextTask({ agentId: "w1" });
    expect(await tm.releaseTask({ taskId: id, agentId: "w1", claimToken: claim?.claim_token })).toMatchObject({ status: "pending", locked_by: null });
    expect(await tm.getNextTask({ agentId: "w2" })).toMatchObject({ id, locked_by: "w2", attempts: 2 });
  });

  it("refuses a superseded claim even from an agent of the same name", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const { tm } = await store.open({ clock: () => now, taskTimeoutHours: 1 });
    const id = await tm.createTask({ type: "work" });
    const first = await tm.getNextTask({ agentId: "claude-code" });
    now = new Date("2026-01-01T02:00:00Z");
    const second = await tm.getNextTask({ agentId: "claude-code" });
    expect(second?.attempts).toBe((first?.attempts ?? 0) + 1);
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "claude-code", claimToken: first?.claim_token }))).toBe("CLAIM_SUPERSEDED");
    expect(await codeOf(tm.releaseTask({ taskId: id, agentId: "claude-code", claimToken: first?.claim_token }))).toBe("CLAIM_SUPERSEDED");
    expect((await tm.completeTask({ taskId: id, agentId: "claude-code", claimToken: second?.claim_token })).status).toBe("completed");
  });
});

describeStores("queries", (store) => {
  it("summarises by status and by type", async () => {
    const { tm } = await store.open();
    const a = await tm.createTask({ type: "a" });
    await tm.createTask({ type: "a" });
    await tm.createTask({ type: "b" });
    const claim = await tm.getNextTask({ agentId: "w", taskTypes: ["a"] });
    await tm.completeTask({ taskId: a, agentId: "w", claimToken: claim?.claim_token });
    await tm.getNextTask({ agentId: "w", taskTypes: ["a"] });
    expect(await tm.getStatusSummary()).toEqual({
      total_tasks: 3,
      status_counts: { pending: 1, in_progress: 1, completed: 1, failed: 0, cancelled: 0 },
      type_counts: { a: 2, b: 1 },
      pending_counts: { ready: 1, conflicting: 0, scheduled: 0, waiting: 0, blocked: 0 },
    });
  });

  it("returns null for an unknown task and refuses children of an unknown task", async () => {
    const { tm } = await store.open();
    expect(await tm.getTask("nope_12345678")).toBeNull();
    expect(await codeOf(tm.getTaskChildren("nope_12345678"))).toBe("TASK_NOT_FOUND");
    expect(await codeOf(tm.requireTask("nope_12345678"))).toBe("TASK_NOT_FOUND");
  });

  it("lists tasks in pages, filtered, with a cursor", async () => {
    const { tm } = await store.open();
    const ids = (await tm.createTasks(Array.from({ length: 7 }, (_, i) => ({ type: i % 2 ? "odd" : "even" })))).map((t) => t.id);
    const page1 = await tm.listTasks({ limit: 3 });
    expect(page1.tasks.map((t) => t.id)).toEqual(ids.slice(0, 3));
    const page2 = await tm.listTasks({ limit: 3, cursor: page1.next_cursor ?? undefined });
    expect(page2.tasks.map((t) => t.id)).toEqual(ids.slice(3, 6));
    const page3 = await tm.listTasks({ limit: 3, cursor: page2.next_cursor ?? undefined });
    expect(page3).toEqual({ tasks: [expect.objectContaining({ id: ids[6] })], next_cursor: null });
    expect((await tm.listTasks({ type: "odd" })).tasks.map((t) => t.id)).toEqual([ids[1], ids[3], ids[5]]);
    expect((await tm.listTasks({ status: "in_progress" })).tasks).toEqual([]);
    expect(await codeOf(tm.listTasks({ cursor: "bogus" }))).toBe("INVALID_INPUT");
    expect(await codeOf(tm.listTasks({ limit: 0 }))).toBe("INVALID_INPUT");
  });
});

describeStores("workflow metadata", (store) => {
  it("merges fields, keeps initialized_at, and stamps last_updated", async () => {
    const { tm, stored } = await store.open();
    await tm.createTask({ type: "a" });
    const born = (await stored())?.metadata.initialized_at;
    await tm.updateWorkflowMetadata({ version: "2.0", environment: "production" });
    const metadata = await tm.updateWorkflowMetadata({ started_by: "scheduler", initialized_at: "forged" });
    expect(metadata).toMatchObject({ version: "2.0", environment: "production", started_by: "scheduler", initialized_at: born });
    expect((await stored())?.metadata).toEqual(metadata);
  });

  it("keeps a __proto__ key as plain data", async () => {
    const { tm } = await store.open();
    const metadata = await tm.updateWorkflowMetadata(JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("options", () => {
  it("refuses a non-positive task timeout", () => {
    expect(() => new TaskManager({ stateFile: "/tmp/x.json", taskTimeoutHours: 0 })).toThrow(/taskTimeoutHours/);
  });
});
