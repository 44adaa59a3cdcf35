import { expect, it } from "vitest";
import { HISTORY_LIMIT } from "../../src/index.js";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

describeStores("history", (store) => {
  it("records what happened, by whom and when", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", maxAttempts: 3 });
    const a = await tm.getNextTask({ agentId: "a", leaseSeconds: 10 });
    clock.advance(5);
    await tm.heartbeatTask({ taskId: id, agentId: "a", claimToken: a?.claim_token });
    await tm.releaseTask({ taskId: id, agentId: "a", claimToken: a?.claim_token });
    clock.advance(5);
    await tm.getNextTask({ agentId: "b", leaseSeconds: 10 });
    clock.advance(11);
    const c1 = await tm.getNextTask({ agentId: "c" });
    await tm.completeTask({ taskId: id, agentId: "c", claimToken: c1?.claim_token, status: "failed", retry: true, resultData: { error: "flaky" } });
    const c2 = await tm.getNextTask({ agentId: "c" });
    await tm.completeTask({ taskId: id, agentId: "c", claimToken: c2?.claim_token });
    const history = (await tm.getTask(id))?.history;
    expect(history?.map(({ event, agent, attempt }) => [event, agent, attempt])).toEqual([
      ["created", undefined, undefined],
      ["claimed", "a", 1],
      ["heartbeat", "a", 1],
      ["released", "a", 1],
      ["claimed", "b", 2],
      ["lease_expired", "b", 2],
      ["retry_scheduled", undefined, undefined],
      ["claimed", "c", 3],
      ["failed", "c", 3],
      ["retry_scheduled", undefined, undefined],
      ["claimed", "c", 4],
      ["completed", "c", 4],
    ]);
    expect(history?.[0]?.at).toBe("2026-01-01T00:00:00.000Z");
    expect(history?.[8]?.detail).toBe("flaky");
  });

  it("stays bounded, and many heartbeats of one claim take one entry", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    let claim = await tm.getNextTask({ agentId: "w", leaseSeconds: 60 });
    for (let i = 0; i < 10; i++) {
      clock.advance(30);
      await tm.heartbeatTask({ taskId: id, agentId: "w", claimToken: claim?.claim_token });
    }
    let history = (await tm.getTask(id))?.history ?? [];
    expect(history.map((entry) => entry.event)).toEqual(["created", "claimed", "heartbeat"]);
    expect(history[2]?.at).toBe(clock.iso());
    for (let i = 0; i < 10; i++) {
      await tm.releaseTask({ taskId: id, agentId: "w", claimToken: claim?.claim_token });
      claim = await tm.getNextTask({ agentId: "w" });
    }
    history = (await tm.getTask(id))?.history ?? [];
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history.at(-1)).toMatchObject({ event: "claimed", attempt: 11 });
  });

  it("does not change a task returned earlier", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claimed = await tm.getNextTask({ agentId: "w" });
    const length = claimed?.history?.length;
    await tm.heartbeatTask({ taskId: id, agentId: "w", claimToken: claimed?.claim_token });
    await tm.completeTask({ taskId: id, agentId: "w", claimToken: claimed?.claim_token });
    expect(claimed?.history).toHaveLength(length ?? -1);
  });
});

describeStores("workflow defaults", (store) => {
  it("gives new tasks and claims the workflow's lease, max attempts and backoff unless they say otherwise", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const old = await tm.createTask({ type: "t" });
    await tm.updateWorkflowMetadata({ task_defaults: { lease_seconds: 120, max_attempts: 2, retry_delay_seconds: 15 } });
    const plain = await tm.createTask({ type: "t" });
    const own = await tm.createTask({ type: "t", maxAttempts: 9, retryDelaySeconds: 1 });
    expect(await tm.getTask(old)).not.toHaveProperty("max_attempts"); // tasks keep what they were created with
    expect(await tm.getTask(plain)).toMatchObject({ max_attempts: 2, retry_delay_seconds: 15 });
    expect(await tm.getTask(own)).toMatchObject({ max_attempts: 9, retry_delay_seconds: 1 });
    expect(await tm.getNextTask({ agentId: "w" })).toMatchObject({ id: old, lease_expires_at: clock.iso(120) });
    expect(await tm.getNextTask({ agentId: "w", leaseSeconds: 5 })).toMatchObject({ id: plain, lease_expires_at: clock.iso(5) });
  });

  it("refuses unusable defaults and changes nothing", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    await tm.updateWorkflowMetadata({ version: "1" });
    const before = await snapshot();
    for (const task_defaults of [{ max_attempts: 0 }, { lease_seconds: "long" }, { priority: 3 }, "fast"]) {
      expect(await codeOf(tm.updateWorkflowMetadata({ task_defaults } as never))).toBe("INVALID_INPUT");
    }
    expect(await snapshot()).toEqual(before);
  });
});
