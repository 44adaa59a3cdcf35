import { expect, it } from "vitest";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

describeStores("leases", (store) => {
  it("gives a claim lease_expires_at from lease_seconds, or from the task timeout by default", async () => {
    const { tm, clock } = await clockedWorkflow(store, { taskTimeoutHours: 2 });
    await tm.createTasks([{ type: "t" }, { type: "t" }]);
    const short = await tm.getNextTask({ agentId: "w", leaseSeconds: 60 });
    expect(short).toMatchObject({ lease_seconds: 60, lease_expires_at: clock.iso(60) });
    const byDefault = await tm.getNextTask({ agentId: "w" });
    expect(byDefault).toMatchObject({ lease_seconds: 7200, lease_expires_at: clock.iso(7200) });
  });

  it("expires: the task is re-claimed by another agent and the old holder's completion is refused", async () => {
    const { tm, clock, snapshot } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const first = await tm.getNextTask({ agentId: "crashed", leaseSeconds: 30 });
    clock.advance(30);
    expect(await tm.getNextTask({ agentId: "other" })).toBeNull(); // not yet: the lease runs to the end of second 30
    clock.advance(1);
    const second = await tm.getNextTask({ agentId: "other", leaseSeconds: 30 });
    expect(second).toMatchObject({ id, locked_by: "other", attempts: 2, failures: 1 });
    expect(second?.last_error).toMatch(/lease expired: "crashed"/);

    const before = await snapshot();
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "crashed", claimToken: first?.claim_token }))).toBe("NOT_CLAIM_HOLDER");
    expect(await codeOf(tm.heartbeatTask({ taskId: id, agentId: "crashed" }))).toBe("NOT_CLAIM_HOLDER");
    expect(await snapshot()).toEqual(before);
    expect((await tm.completeTask({ taskId: id, agentId: "other", claimToken: second?.claim_token })).status).toBe("completed");
  });

  it("refuses a superseded claim from an agent of the same name, for heartbeats too", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const first = await tm.getNextTask({ agentId: "claude-code", leaseSeconds: 10 });
    clock.advance(11);
    const second = await tm.getNextTask({ agentId: "claude-code", leaseSeconds: 10 });
    expect(await codeOf(tm.heartbeatTask({ taskId: id, agentId: "claude-code", claimToken: first?.claim_token }))).toBe("CLAIM_SUPERSEDED");
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "claude-code", claimToken: first?.claim_token }))).toBe("CLAIM_SUPERSEDED");
    expect((await tm.heartbeatTask({ taskId: id, agentId: "claude-code", claimToken: second?.claim_token })).lease_expires_at).toBe(clock.iso(10));
  });

  it("lets the holder finish while its expired lease has not been released by anyone yet", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claim = await tm.getNextTask({ agentId: "slow", leaseSeconds: 10 });
    clock.advance(60);
    // Nobody has claimed since: the task is still the holder's, and its work is not thrown away.
    expect((await tm.completeTask({ taskId: id, agentId: "slow", claimToken: claim?.claim_token })).status).toBe("completed");
  });

  it("releases expired claims of every type on the next claim, even one that finds nothing to claim", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "a" });
    await tm.getNextTask({ agentId: "w", leaseSeconds: 5 });
    clock.advance(6);
    expect(await tm.getNextTask({ agentId: "w", taskTypes: ["b"] })).toBeNull();
    expect(await tm.getTask(id)).toMatchObject({ status: "pending", locked_by: null, lease_expires_at: null });
  });

  it("refuses a lease that is not a positive number of seconds up to 30 days", async () => {
    const { tm } = await clockedWorkflow(store);
    for (const leaseSeconds of [0, -1, 31 * 24 * 3600]) {
      expect(await codeOf(tm.getNextTask({ agentId: "w", leaseSeconds }))).toBe("INVALID_INPUT");
    }
  });
});

describeStores("heartbeats", (store) => {
  it("keep a long task alive well past its lease, and lose it once they stop", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "long" });
    const claim = await tm.getNextTask({ agentId: "worker", leaseSeconds: 60 });
    // An hour of work, a heartbeat every 45 s: nobody else ever gets the task.
    for (let elapsed = 0; elapsed < 3600; elapsed += 45) {
      clock.advance(45);
      const beat = await tm.heartbeatTask({ taskId: id, agentId: "worker", claimToken: claim?.claim_token });
      expect(beat.lease_expires_at).toBe(clock.iso(60));
      expect(await tm.getNextTask({ agentId: "thief" })).toBeNull();
    }
    clock.advance(61);
    expect(await tm.getNextTask({ agentId: "thief" })).toMatchObject({ id, locked_by: "thief" });
  });

  it("renews by lease_seconds when given, without changing the claim's own lease length", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claim = await tm.getNextTask({ agentId: "w", leaseSeconds: 60 });
    const claimToken = claim?.claim_token;
    expect(await tm.heartbeatTask({ taskId: id, agentId: "w", claimToken, leaseSeconds: 600 })).toMatchObject({ lease_expires_at: clock.iso(600), lease_seconds: 60 });
    clock.advance(10);
    expect((await tm.heartbeatTask({ taskId: id, agentId: "w", claimToken })).lease_expires_at).toBe(clock.iso(60));
  });

  it("is refused for a task that is not claimed, or claimed by someone else", async () => {
    const { tm } = await clockedWorkflow(store);
    const pending = await tm.createTask({ type: "p" });
    const held = await tm.createTask({ type: "h" });
    await tm.getNextTask({ agentId: "owner", taskTypes: ["h"] });
    expect(await codeOf(tm.heartbeatTask({ taskId: pending, agentId: "owner" }))).toBe("TASK_NOT_IN_PROGRESS");
    expect(await codeOf(tm.heartbeatTask({ taskId: held, agentId: "intruder" }))).toBe("NOT_CLAIM_HOLDER");
    expect(await codeOf(tm.heartbeatTask({ taskId: "nope_00000000", agentId: "owner" }))).toBe("TASK_NOT_FOUND");
  });
});
