import { expect, it } from "vitest";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores, type StoreFixture } from "../helpers/stores.js";

describeStores("idempotent create", (store) => {
  it("gives one task for the same key twice, and says the second time that it already existed", async () => {
    const { tm } = await clockedWorkflow(store);
    const [first] = await tm.createTasks([{ type: "report", data: { v: 1 }, idempotencyKey: "nightly-2026-01-01" }]);
    const [again] = await tm.createTasks([{ type: "report", data: { v: 2 }, idempotencyKey: "nightly-2026-01-01" }]);
    expect(first).not.toHaveProperty("already_existed");
    expect(again).toMatchObject({ id: first?.id, already_existed: true, data: { v: 1 } });
    expect(await tm.createTask({ type: "report", idempotencyKey: "nightly-2026-01-01" })).toBe(first?.id);
    expect((await tm.getStatusSummary()).total_tasks).toBe(1);
  });

  it("returns the existing task whatever its status, and a key twice in one batch gives one task", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", idempotencyKey: "k" });
    const claim = await tm.getNextTask({ agentId: "w" });
    await tm.completeTask({ taskId: id, agentId: "w", claimToken: claim?.claim_token });
    const [same, fresh, dup] = await tm.createTasks([
      { type: "t", idempotencyKey: "k" },
      { type: "t", idempotencyKey: "other" },
      { type: "t", idempotencyKey: "other" },
    ]);
    expect(same).toMatchObject({ id, status: "completed", already_existed: true });
    expect(dup).toMatchObject({ id: fresh?.id, already_existed: true });
    expect((await tm.getStatusSummary()).total_tasks).toBe(2);
  });

  it("writes nothing when every task in the call already existed", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    await tm.createTask({ type: "t", idempotencyKey: "k" });
    const before = await snapshot();
    await tm.createTask({ type: "t", idempotencyKey: "k" });
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an empty key", async () => {
    const { tm } = await clockedWorkflow(store);
    expect(await codeOf(tm.createTask({ type: "t", idempotencyKey: "" }))).toBe("INVALID_INPUT");
  });
});

async function tree(store: StoreFixture) {
  const made = await clockedWorkflow(store);
  const { tm } = made;
  const root = await tm.createTask({ type: "root" });
  const running = await tm.createTask({ type: "running", parentId: root });
  const under = await tm.createTask({ type: "leaf", parentId: running });
  const pendingChild = await tm.createTask({ type: "leaf", parentId: root });
  const grandchild = await tm.createTask({ type: "leaf", parentId: pendingChild });
  const done = await tm.createTask({ type: "done", parentId: root });
  const outsider = await tm.createTask({ type: "leaf" });
  const claim = await tm.getNextTask({ agentId: "w", taskTypes: ["done"] });
  await tm.completeTask({ taskId: done, agentId: "w", claimToken: claim?.claim_token });
  return { ...made, root, running, under, pendingChild, grandchild, done, outsider };
}

describeStores("cascade cancel", (store) => {
  it("cancels the pending descendants with the task, reports how many, and leaves held and finished ones alone", async () => {
    const { tm, root, running, under, pendingChild, grandchild, done, outsider } = await tree(store);
    const claim = await tm.getNextTask({ agentId: "coordinator", taskTypes: ["root"] });
    await tm.getNextTask({ agentId: "other", taskTypes: ["running"] });
    const result = await tm.completeTask({ taskId: root, agentId: "coordinator", claimToken: claim?.claim_token, status: "cancelled", cascade: true });
    expect(result).toMatchObject({ status: "cancelled", cancelled_descendants: 3 });
    const status = async (id: string) => (await tm.getTask(id))?.status;
    expect([await status(pendingChild), await status(grandchild), await status(under)]).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect([await status(running), await status(done), await status(outsider)]).toEqual(["in_progress", "completed", "pending"]);
  });

  it("cancels only the task itself without cascade", async () => {
    const { tm, root, pendingChild } = await tree(store);
    const claim = await tm.getNextTask({ agentId: "c", taskTypes: ["root"] });
    const result = await tm.completeTask({ taskId: root, agentId: "c", claimToken: claim?.claim_token, status: "cancelled" });
    expect(result).not.toHaveProperty("cancelled_descendants");
    expect((await tm.getTask(pendingChild))?.status).toBe("pending");
  });

  it("lets a coordinator cancel a pending task nobody holds, with its subtree", async () => {
    const { tm, root, pendingChild, grandchild, running } = await tree(store);
    const result = await tm.cancelTask({ taskId: pendingChild, agentId: "coordinator", cascade: true, reason: "not needed" });
    expect(result).toMatchObject({ status: "cancelled", cancelled_descendants: 1, locked_by: null });
    expect(result.history?.at(-1)).toMatchObject({ event: "cancelled", agent: "coordinator", detail: "not needed" });
    expect((await tm.getTask(grandchild))?.status).toBe("cancelled");
    expect((await tm.getTask(root))?.status).toBe("pending");
    await tm.getNextTask({ agentId: "w", taskTypes: ["running"] });
    const before = await tm.getTask(running);
    expect(await codeOf(tm.cancelTask({ taskId: running, agentId: "coordinator" }))).toBe("TASK_NOT_PENDING");
    expect(await codeOf(tm.cancelTask({ taskId: pendingChild, agentId: "coordinator" }))).toBe("TASK_NOT_PENDING");
    expect(await codeOf(tm.cancelTask({ taskId: "nope_00000000", agentId: "coordinator" }))).toBe("TASK_NOT_FOUND");
    expect(await tm.getTask(running)).toEqual(before);
  });

  it("cancels a task whose holder's lease ran out, rather than retrying or failing it", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", maxAttempts: 1 });
    await tm.getNextTask({ agentId: "gone", leaseSeconds: 10 });
    clock.advance(10);
    expect(await codeOf(tm.cancelTask({ taskId: id, agentId: "coordinator" }))).toBe("TASK_NOT_PENDING"); // not yet run out
    clock.advance(1);
    const result = await tm.cancelTask({ taskId: id, agentId: "coordinator" });
    expect(result).toMatchObject({ status: "cancelled", locked_by: null, lease_expires_at: null });
    expect(result.history?.map((entry) => [entry.event, entry.agent])).toEqual([
      ["created", undefined],
      ["claimed", "gone"],
      ["lease_expired", "gone"],
      ["cancelled", "coordinator"],
    ]);
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "gone" }))).toBe("TASK_NOT_IN_PROGRESS");
  });

  it("shows the dependents of a cancelled task as blocked", async () => {
    const { tm } = await clockedWorkflow(store);
    const a = await tm.createTask({ type: "a" });
    const b = await tm.createTask({ type: "b", dependsOn: [a] });
    await tm.cancelTask({ taskId: a, agentId: "c" });
    expect((await tm.getTask(b))?.blocked_by).toEqual([a]);
  });
});
