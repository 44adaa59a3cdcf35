/**
 * A person's override of an agent's claim (`force`, used by the CLI's `release --force`
 * and `cancel --force`): it works on a live claim, it is recorded as the person's, the
 * old holder cannot finish the task afterwards, and a refusal changes nothing on disk.
 */
import { expect, it } from "vitest";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores, type StoreFixture } from "../helpers/stores.js";

async function heldTask(store: StoreFixture) {
  const made = await clockedWorkflow(store);
  const id = await made.tm.createTask({ type: "build" });
  const claim = await made.tm.getNextTask({ agentId: "worker-1", leaseSeconds: 3600 });
  return { ...made, id, token: claim?.claim_token };
}

describeStores("releaseTask with force", (store) => {
  it("puts a task with time left on its lease back to pending and records who overrode whom", async () => {
    const { tm, id } = await heldTask(store);
    const released = await tm.releaseTask({ taskId: id, agentId: "human:ana", force: true });
    expect(released).toMatchObject({ status: "pending", locked_by: null, locked_at: null, lease_expires_at: null, attempts: 1 });
    expect(released.failures ?? 0).toBe(0); // overruled, not failed: no retry budget is spent
    expect(released.history?.at(-1)).toMatchObject({ event: "released", agent: "human:ana", attempt: 1, detail: 'forced: taken from "worker-1"' });
  });

  it("leaves the old holder unable to finish, heartbeat or release it, and lets another agent claim it", async () => {
    const { tm, id, token } = await heldTask(store);
    await tm.releaseTask({ taskId: id, agentId: "human:ana", force: true });
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "worker-1", claimToken: token }))).toBe("TASK_NOT_IN_PROGRESS");
    expect(await codeOf(tm.heartbeatTask({ taskId: id, agentId: "worker-1", claimToken: token }))).toBe("TASK_NOT_IN_PROGRESS");
    const next = await tm.getNextTask({ agentId: "worker-2" });
    expect(next).toMatchObject({ id, locked_by: "worker-2", attempts: 2 });
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "worker-1", claimToken: token }))).toBe("NOT_CLAIM_HOLDER");
  });

  it("refuses a task that is not held, and an unknown id, without writing", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "build" });
    const before = await snapshot();
    expect(await codeOf(tm.releaseTask({ taskId: id, agentId: "human:ana", force: true }))).toBe("TASK_NOT_IN_PROGRESS");
    expect(await codeOf(tm.releaseTask({ taskId: "build_00000000", agentId: "human:ana", force: true }))).toBe("TASK_NOT_FOUND");
    expect(await snapshot()).toEqual(before);
  });

  it("without force is still refused to anyone but the holder", async () => {
    const { tm, id } = await heldTask(store);
    expect(await codeOf(tm.releaseTask({ taskId: id, agentId: "human:ana" }))).toBe("NOT_CLAIM_HOLDER");
  });
});

describeStores("cancelTask with force", (store) => {
  it("cancels a task an agent holds, ending its claim, and records the override and the reason", async () => {
    const { tm, id } = await heldTask(store);
    const cancelled = await tm.cancelTask({ taskId: id, agentId: "human:ana", force: true, reason: "wrong branch" });
    expect(cancelled).toMatchObject({ status: "cancelled", locked_by: null, lease_expires_at: null });
    expect(cancelled.completed_at).not.toBeNull();
    expect(cancelled.history?.at(-1)).toMatchObject({
      event: "cancelled",
      agent: "human:ana",
      detail: 'forced: taken from "worker-1"; wrong branch',
    });
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "worker-1" }))).toBe("TASK_NOT_IN_PROGRESS");
  });

  it("with cascade also cancels the pending descendants, leaving held ones to their holders", async () => {
    const { tm } = await clockedWorkflow(store);
    const root = await tm.createTask({ type: "root" });
    const child = await tm.createTask({ type: "leaf", parentId: root });
    const heldChild = await tm.createTask({ type: "held", parentId: root });
    await tm.getNextTask({ agentId: "worker-1", taskTypes: ["root"] });
    await tm.getNextTask({ agentId: "worker-2", taskTypes: ["held"] });
    const cancelled = await tm.cancelTask({ taskId: root, agentId: "human:ana", force: true, cascade: true });
    expect(cancelled).toMatchObject({ status: "cancelled", cancelled_descendants: 1 });
    expect(await tm.getTask(child)).toMatchObject({ status: "cancelled" });
    expect(await tm.getTask(heldChild)).toMatchObject({ status: "in_progress", locked_by: "worker-2" });
  });

  it("without force still refuses a held task, and with force refuses a finished one, without writing", async () => {
    const { tm, id, token, snapshot } = await heldTask(store);
    const before = await snapshot();
    expect(await codeOf(tm.cancelTask({ taskId: id, agentId: "human:ana" }))).toBe("TASK_NOT_PENDING");
    expect(await snapshot()).toEqual(before);
    await tm.completeTask({ taskId: id, agentId: "worker-1", claimToken: token });
    const done = await snapshot();
    expect(await codeOf(tm.cancelTask({ taskId: id, agentId: "human:ana", force: true }))).toBe("TASK_NOT_PENDING");
    expect(await snapshot()).toEqual(done);
  });
});
