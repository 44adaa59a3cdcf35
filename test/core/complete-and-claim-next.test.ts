/**
 * completeAndClaimNext: a worker's loop in one call. The task is finished exactly as
 * completeTask finishes it, then the next one is claimed for the same agent exactly as
 * getNextTask claims it, seeing the completion (a dependent it freed may be the next).
 * A refused completion claims nothing and changes nothing.
 */
import { expect, it } from "vitest";
import type { ClaimedTask } from "../../src/index.js";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

const AGENT = "worker-1";

/** The claim's token; fails the test when there was no claim. */
function tokenOf(task: ClaimedTask | null): string {
  expect(task?.claim_token, "a claim with its token").toEqual(expect.any(String));
  return (task as ClaimedTask).claim_token;
}

describeStores("completeAndClaimNext", (store) => {
  it("finishes the task and claims the next in line for the same agent, with a token of its own", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const [low, high, first] = await tm.createTasks([{ type: "t", priority: 1 }, { type: "t", priority: 5 }, { type: "t", priority: 9 }]).then((tasks) => tasks.map((task) => task.id));
    const claimed = await tm.getNextTask({ agentId: AGENT });
    expect(claimed?.id).toBe(first);
    clock.advance(10);

    const { task, next } = await tm.completeAndClaimNext({ taskId: first as string, agentId: AGENT, claimToken: tokenOf(claimed), resultData: { ok: true } });
    expect(task).toMatchObject({ id: first, status: "completed", result: { ok: true }, completed_at: clock.iso() });
    expect(next).toMatchObject({ id: high, status: "in_progress", locked_by: AGENT, attempts: 1, locked_at: clock.iso() });
    expect(tokenOf(next)).not.toBe(claimed?.claim_token);

    // The next one is held as any claim is: its token finishes it, the old one does not.
    expect(await codeOf(tm.completeTask({ taskId: high as string, agentId: AGENT, claimToken: claimed?.claim_token }))).toBe("NOT_CLAIM_HOLDER");
    const last = await tm.completeAndClaimNext({ taskId: high as string, agentId: AGENT, claimToken: tokenOf(next) });
    expect(last.next?.id).toBe(low);
    const end = await tm.completeAndClaimNext({ taskId: low as string, agentId: AGENT, claimToken: tokenOf(last.next) });
    expect(end).toMatchObject({ task: { id: low, status: "completed" }, next: null });
    expect((await tm.getStatusSummary()).status_counts).toMatchObject({ completed: 3, in_progress: 0, pending: 0 });
  });

  it("claims as getNextTask would with the options in next: types and lease", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const [a, , c] = await tm.createTasks([{ type: "a" }, { type: "b" }, { type: "c" }]).then((tasks) => tasks.map((task) => task.id));
    const claimed = await tm.getNextTask({ agentId: AGENT, taskTypes: ["a"] });
    expect(claimed?.id).toBe(a);
    const { next } = await tm.completeAndClaimNext({ taskId: a as string, agentId: AGENT, claimToken: tokenOf(claimed), next: { taskTypes: ["c"], leaseSeconds: 30 } });
    expect(next).toMatchObject({ id: c, lease_expires_at: clock.iso(30) });
  });

  it("hands out the dependent its completion freed", async () => {
    const { tm } = await clockedWorkflow(store);
    const [parent, child] = await tm.createTasks([{ type: "step" }, { type: "step", dependsOn: ["#0"] }]).then((tasks) => tasks.map((task) => task.id));
    const claimed = await tm.getNextTask({ agentId: AGENT });
    expect(claimed?.id).toBe(parent);
    expect(await tm.getNextTask({ agentId: "other" })).toBeNull(); // the child waits for its dependency
    const { next } = await tm.completeAndClaimNext({ taskId: parent as string, agentId: AGENT, claimToken: tokenOf(claimed) });
    expect(next?.id).toBe(child);
  });

  it("puts the dependent its completion freed first in line when it ranks higher than every ready task", async () => {
    const { tm } = await clockedWorkflow(store);
    const [parent, child] = await tm.createTasks([{ type: "step", priority: 5 }, { type: "step", priority: 10, dependsOn: ["#0"] }, { type: "step" }]).then((tasks) => tasks.map((task) => task.id));
    const claimed = await tm.getNextTask({ agentId: AGENT });
    expect(claimed?.id).toBe(parent);
    const { next } = await tm.completeAndClaimNext({ taskId: parent as string, agentId: AGENT, claimToken: tokenOf(claimed) });
    expect(next?.id).toBe(child);
  });

  it("claims a task whose holder's lease ran out, releasing it first", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const [stale, mine] = await tm.createTasks([{ type: "t", priority: 5 }, { type: "t" }]).then((tasks) => tasks.map((task) => task.id));
    expect((await tm.getNextTask({ agentId: "gone", leaseSeconds: 60 }))?.id).toBe(stale);
    const claimed = await tm.getNextTask({ agentId: AGENT, leaseSeconds: 600 });
    expect(claimed?.id).toBe(mine);
    clock.advance(120);
    const { next } = await tm.completeAndClaimNext({ taskId: mine as string, agentId: AGENT, claimToken: tokenOf(claimed) });
    expect(next).toMatchObject({ id: stale, locked_by: AGENT, attempts: 2 });
  });

  it("sends a failed task back to be tried again, which may be the very next claim", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", maxAttempts: 3 });
    const claimed = await tm.getNextTask({ agentId: AGENT });
    const { task, next } = await tm.completeAndClaimNext({ taskId: id, agentId: AGENT, claimToken: tokenOf(claimed), status: "failed", retry: true, resultData: { error: "flaky" } });
    expect(task).toMatchObject({ id, status: "pending" });
    expect(next).toMatchObject({ id, status: "in_progress", attempts: 2 });
  });

  it("refuses a completion that is not the holder's, claiming nothing and changing nothing", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    const [held] = await tm.createTasks([{ type: "t", priority: 1 }, { type: "t" }]).then((tasks) => tasks.map((task) => task.id));
    const claimed = await tm.getNextTask({ agentId: AGENT });
    const before = await snapshot();
    const refusals = [
      tm.completeAndClaimNext({ taskId: held as string, agentId: AGENT }),
      tm.completeAndClaimNext({ taskId: held as string, agentId: "someone-else", claimToken: tokenOf(claimed) }),
      tm.completeAndClaimNext({ taskId: "t_00000000", agentId: AGENT, claimToken: tokenOf(claimed) }),
    ];
    expect(await Promise.all(refusals.map(codeOf))).toEqual(["NOT_CLAIM_HOLDER", "NOT_CLAIM_HOLDER", "TASK_NOT_FOUND"]);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an earlier claim's token once the same agent claimed the task again (another window of one client), claiming nothing", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    const [id] = await tm.createTasks([{ type: "t", priority: 1 }, { type: "t" }]).then((tasks) => tasks.map((task) => task.id));
    const first = await tm.getNextTask({ agentId: AGENT });
    await tm.releaseTask({ taskId: id as string, agentId: "person", force: true });
    const second = await tm.getNextTask({ agentId: AGENT });
    expect(second).toMatchObject({ id, attempts: 2 });
    const before = await snapshot();
    expect(await codeOf(tm.completeAndClaimNext({ taskId: id as string, agentId: AGENT, claimToken: tokenOf(first) }))).toBe("CLAIM_SUPERSEDED");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses ids that name an object's own properties, changing nothing", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    await tm.createTask({ type: "t" });
    const claimed = await tm.getNextTask({ agentId: AGENT });
    const before = await snapshot();
    for (const taskId of ["__proto__", "constructor", "t_00000000"]) {
      expect(await codeOf(tm.completeAndClaimNext({ taskId, agentId: AGENT, claimToken: tokenOf(claimed) }))).toMatch(/^(TASK_NOT_FOUND|INVALID_INPUT)$/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses bad input by name before anything is done", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claimed = await tm.getNextTask({ agentId: AGENT });
    const before = await snapshot();
    const base = { taskId: id, agentId: AGENT, claimToken: tokenOf(claimed) };
    for (const input of [
      { ...base, retry: true },
      { ...base, next: { agentId: "x" } },
      { ...base, next: { leaseSeconds: 0 } },
      { ...base, next: { taskTypes: "t" } },
      { ...base, next: { waitMs: -1 } },
    ]) {
      const error = await tm.completeAndClaimNext(input as never).catch((caught: Error & { code?: string }) => caught);
      expect(error).toMatchObject({ code: "INVALID_INPUT", message: expect.stringMatching(/retry|next/) });
    }
    expect(await snapshot()).toEqual(before);
  });

  it("answers the finished task and no next one when next.signal ends the wait", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claimed = await tm.getNextTask({ agentId: AGENT });
    const stop = new AbortController();
    const waiting = tm.completeAndClaimNext({ taskId: id, agentId: AGENT, claimToken: tokenOf(claimed), next: { waitMs: 30_000, signal: stop.signal } });
    await expect.poll(async () => (await tm.getTask(id))?.status).toBe("completed");
    stop.abort(new Error("shutting down"));
    expect(await waiting).toMatchObject({ task: { id, status: "completed" }, next: null });
    // A signal already aborted stops the call before anything is done.
    const other = await tm.createTask({ type: "t" });
    const second = await tm.getNextTask({ agentId: AGENT });
    await expect(tm.completeAndClaimNext({ taskId: other, agentId: AGENT, claimToken: tokenOf(second), next: { signal: stop.signal } })).rejects.toThrow("shutting down");
    expect((await tm.getTask(other))?.status).toBe("in_progress");
  });

  it("with next.waitMs, finishes the task and then waits for the next one", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claimed = await tm.getNextTask({ agentId: AGENT });
    const waiting = tm.completeAndClaimNext({ taskId: id, agentId: AGENT, claimToken: tokenOf(claimed), next: { waitMs: 10_000 } });
    // The completion lands before the wait: another reader sees it while the call still waits.
    await expect.poll(async () => (await tm.getTask(id))?.status).toBe("completed");
    const later = await tm.createTask({ type: "t" });
    const { task, next } = await waiting;
    expect(task.status).toBe("completed");
    expect(next?.id).toBe(later);
  });
});
