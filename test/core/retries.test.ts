import { expect, it } from "vitest";
import { MAX_RETRY_DELAY_SECONDS, retryDelaySeconds } from "../../src/index.js";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

describeStores("retries with backoff", (store) => {
  it("retries a failure with retry: true after 10 s, 20 s, 40 s, then ends failed with the last error", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "flaky", maxAttempts: 4, retryDelaySeconds: 10 });
    for (const [attempt, delay] of [[1, 10], [2, 20], [3, 40]] as const) {
      const claim = await tm.getNextTask({ agentId: "w" });
      expect(claim).toMatchObject({ id, attempts: attempt });
      const failed = await tm.completeTask({ taskId: id, agentId: "w", claimToken: claim?.claim_token, status: "failed", retry: true, resultData: { error: `boom ${attempt}` } });
      expect(failed).toMatchObject({ status: "pending", failures: attempt, last_error: `boom ${attempt}`, not_before: clock.iso(delay), locked_by: null });
      clock.advance(delay - 1);
      expect(await tm.getNextTask({ agentId: "w" })).toBeNull(); // still backing off
      clock.advance(1);
    }
    const last = await tm.getNextTask({ agentId: "w" });
    const final = await tm.completeTask({ taskId: id, agentId: "w", claimToken: last?.claim_token, status: "failed", retry: true, resultData: { error: "boom 4" } });
    expect(final).toMatchObject({ status: "failed", failures: 4, last_error: "boom 4", result: { error: "boom 4" }, completed_at: clock.iso() });
    clock.advance(3600);
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
  });

  it("counts an expired lease as a failed attempt, with the same backoff and limit", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", maxAttempts: 2, retryDelaySeconds: 30 });
    await tm.getNextTask({ agentId: "dies", leaseSeconds: 10 });
    clock.advance(11);
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull(); // released, but backing off for 30 s
    expect(await tm.getTask(id)).toMatchObject({ status: "pending", failures: 1, not_before: clock.iso(30) });
    clock.advance(30);
    await tm.getNextTask({ agentId: "dies-too", leaseSeconds: 10 });
    clock.advance(11);
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
    const task = await tm.getTask(id);
    expect(task).toMatchObject({ status: "failed", failures: 2, completed_at: expect.any(String) });
    expect(task?.last_error).toMatch(/lease expired: "dies-too"/);
  });

  it("without max_attempts retries without limit, as the seed released expired claims", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    for (let i = 1; i <= 30; i++) {
      await tm.getNextTask({ agentId: "w", leaseSeconds: 1 });
      clock.advance(2);
    }
    expect(await tm.getNextTask({ agentId: "w" })).toMatchObject({ id, attempts: 31, failures: 30 });
  });

  it("treats a failure without retry as final", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", maxAttempts: 5 });
    const claim = await tm.getNextTask({ agentId: "w" });
    expect(await tm.completeTask({ taskId: id, agentId: "w", claimToken: claim?.claim_token, status: "failed" })).toMatchObject({ status: "failed" });
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
  });

  it("does not count a voluntary release as a failed attempt", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", maxAttempts: 1 });
    const first = await tm.getNextTask({ agentId: "w" });
    await tm.releaseTask({ taskId: id, agentId: "w", claimToken: first?.claim_token });
    const second = await tm.getNextTask({ agentId: "w" });
    expect(await tm.completeTask({ taskId: id, agentId: "w", claimToken: second?.claim_token })).toMatchObject({ status: "completed" });
    expect((await tm.getTask(id))?.failures).toBeUndefined();
  });

  it("refuses retry with a status other than failed, and cascade with one other than cancelled", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claim = await tm.getNextTask({ agentId: "w" });
    const claimToken = claim?.claim_token;
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "w", claimToken, retry: true }))).toBe("INVALID_INPUT");
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "w", claimToken, status: "failed", cascade: true }))).toBe("INVALID_INPUT");
    expect((await tm.getTask(id))?.status).toBe("in_progress");
  });

  it("doubles the delay up to a cap of one hour, but never below the base", () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(10, n))).toEqual([10, 20, 40, 80]);
    expect(retryDelaySeconds(10, 30)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(retryDelaySeconds(7200, 3)).toBe(7200);
    expect(retryDelaySeconds(0, 5)).toBe(0);
  });
});
