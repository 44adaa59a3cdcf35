import { expect, it } from "vitest";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

describeStores("priority", (store) => {
  it("claims the highest priority first, the oldest among equals, and 0 by default", async () => {
    const { tm } = await clockedWorkflow(store);
    const low = await tm.createTask({ type: "t", priority: -5 });
    const plainOld = await tm.createTask({ type: "t" });
    const highOld = await tm.createTask({ type: "t", priority: 10 });
    const plainNew = await tm.createTask({ type: "t", priority: 0 });
    const highNew = await tm.createTask({ type: "t", priority: 10 });
    const order: string[] = [];
    for (let task = await tm.getNextTask({ agentId: "w" }); task; task = await tm.getNextTask({ agentId: "w" })) order.push(task.id);
    expect(order).toEqual([highOld, highNew, plainOld, plainNew, low]);
  });

  it("applies the type filter before priority", async () => {
    const { tm } = await clockedWorkflow(store);
    await tm.createTask({ type: "urgent", priority: 100 });
    const normal = await tm.createTask({ type: "normal" });
    expect((await tm.getNextTask({ agentId: "w", taskTypes: ["normal"] }))?.id).toBe(normal);
  });

  it("stores priority only when it is not the default, so plain tasks keep the seed's shape", async () => {
    const { tm, stored } = await clockedWorkflow(store);
    const plain = await tm.createTask({ type: "t", priority: 0 });
    const high = await tm.createTask({ type: "t", priority: 3 });
    const kept = await stored();
    expect(kept?.tasks[plain]).not.toHaveProperty("priority");
    expect(kept?.tasks[high]?.priority).toBe(3);
  });

  it.each([["a fraction", 1.5], ["a string", "high"], ["a huge number", 2 ** 40]])("refuses %s as priority", async (_label, priority) => {
    const { tm } = await clockedWorkflow(store);
    expect(await codeOf(tm.createTask({ type: "t", priority: priority as number }))).toBe("INVALID_INPUT");
  });
});

describeStores("dependencies", (store) => {
  it("hands out a chain in order, each only once the one before it is completed", async () => {
    const { tm } = await clockedWorkflow(store);
    const a = await tm.createTask({ type: "step" });
    const b = await tm.createTask({ type: "step", dependsOn: [a], priority: 5 });
    const c = await tm.createTask({ type: "step", dependsOn: [b], priority: 9 });
    const first = await tm.getNextTask({ agentId: "w" });
    expect(first?.id).toBe(a);
    expect(await tm.getNextTask({ agentId: "w2" })).toBeNull(); // b waits for a, c for b
    await tm.completeTask({ taskId: a, agentId: "w", claimToken: first?.claim_token });
    const second = await tm.getNextTask({ agentId: "w" });
    expect(second?.id).toBe(b);
    expect(await tm.getNextTask({ agentId: "w2" })).toBeNull();
    await tm.completeTask({ taskId: b, agentId: "w", claimToken: second?.claim_token });
    expect((await tm.getNextTask({ agentId: "w" }))?.id).toBe(c);
  });

  it("waits for every dependency, and a dependency may come earlier in the same batch", async () => {
    const { tm } = await clockedWorkflow(store);
    const [x, y] = await tm.createTasks([{ type: "x" }, { type: "y" }]);
    const join = await tm.createTask({ type: "join", dependsOn: [x!.id, y!.id] });
    const first = await tm.getNextTask({ agentId: "w", taskTypes: ["x"] });
    await tm.completeTask({ taskId: x!.id, agentId: "w", claimToken: first?.claim_token });
    expect(await tm.getNextTask({ agentId: "w", taskTypes: ["join"] })).toBeNull();
    const second = await tm.getNextTask({ agentId: "w", taskTypes: ["y"] });
    await tm.completeTask({ taskId: y!.id, agentId: "w", claimToken: second?.claim_token });
    expect((await tm.getNextTask({ agentId: "w", taskTypes: ["join"] }))?.id).toBe(join);
  });

  it("refuses a dependency that does not exist, and creates nothing", async () => {
    const { tm } = await clockedWorkflow(store);
    const a = await tm.createTask({ type: "a" });
    await expect(tm.createTasks([{ type: "b", dependsOn: [a] }, { type: "c", dependsOn: ["ghost_00000000"] }])).rejects.toThrow(
      /Dependency task "ghost_00000000" does not exist/,
    );
    expect((await tm.getStatusSummary()).total_tasks).toBe(1);
  });

  it("shows blocked_by when a dependency failed or was cancelled, down the whole chain, and never hands it out", async () => {
    const { tm } = await clockedWorkflow(store);
    const build = await tm.createTask({ type: "build" });
    const test = await tm.createTask({ type: "test", dependsOn: [build] });
    const deploy = await tm.createTask({ type: "deploy", dependsOn: [test] });
    const docs = await tm.createTask({ type: "docs" });
    const publish = await tm.createTask({ type: "publish", dependsOn: [docs] });
    const building = await tm.getNextTask({ agentId: "w", taskTypes: ["build"] });
    await tm.completeTask({ taskId: build, agentId: "w", claimToken: building?.claim_token, status: "failed", resultData: { error: "compile error" } });
    const writing = await tm.getNextTask({ agentId: "w", taskTypes: ["docs"] });
    await tm.completeTask({ taskId: docs, agentId: "w", claimToken: writing?.claim_token, status: "cancelled" });

    expect((await tm.getTask(test))?.blocked_by).toEqual([build]);
    expect((await tm.getTask(deploy))?.blocked_by).toEqual([build]);
    expect((await tm.getTask(publish))?.blocked_by).toEqual([docs]);
    expect((await tm.listTasks({ status: "pending" })).tasks.map((t) => [t.id, t.blocked_by])).toEqual([
      [test, [build]],
      [deploy, [build]],
      [publish, [docs]],
    ]);
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
    expect((await tm.getStatusSummary()).pending_counts).toEqual({ ready: 0, conflicting: 0, scheduled: 0, waiting: 0, blocked: 3 });
  });

  it("does not show blocked_by on a task that is merely waiting", async () => {
    const { tm } = await clockedWorkflow(store);
    const a = await tm.createTask({ type: "a" });
    const b = await tm.createTask({ type: "b", dependsOn: [a] });
    expect(await tm.getTask(b)).not.toHaveProperty("blocked_by");
    expect((await tm.getTask(b))?.depends_on).toEqual([a]);
  });
});

describeStores("scheduled tasks", (store) => {
  it("does not hand out a task before not_before, and does at that time", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const later = await tm.createTask({ type: "t", notBefore: clock.iso(3600) });
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
    clock.advance(3599);
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
    clock.advance(1);
    expect((await tm.getNextTask({ agentId: "w" }))?.id).toBe(later);
  });

  it("takes delay_seconds from the time of creation, and stores not_before in UTC", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", delaySeconds: 90 });
    expect((await tm.getTask(id))?.not_before).toBe(clock.iso(90));
    const zoned = await tm.createTask({ type: "t", notBefore: "2026-01-01T02:00:00+02:00" });
    expect((await tm.getTask(zoned))?.not_before).toBe("2026-01-01T00:00:00.000Z");
    clock.advance(89);
    expect((await tm.getNextTask({ agentId: "w" }))?.id).toBe(zoned); // its time has come; the delayed one's has not
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
    clock.advance(1);
    expect((await tm.getNextTask({ agentId: "w" }))?.id).toBe(id);
  });

  it("lets a ready task of lower priority go before a scheduled one of higher priority", async () => {
    const { tm } = await clockedWorkflow(store);
    await tm.createTask({ type: "t", priority: 9, delaySeconds: 60 });
    const now = await tm.createTask({ type: "t" });
    expect((await tm.getNextTask({ agentId: "w" }))?.id).toBe(now);
  });

  it.each([
    ["a time without a zone", { notBefore: "2026-01-01T10:00:00" }],
    ["a date that is not a date", { notBefore: "tomorrow" }],
    ["both not_before and delay_seconds", { notBefore: "2026-01-01T10:00:00Z", delaySeconds: 5 }],
    ["a negative delay", { delaySeconds: -1 }],
  ])("refuses %s", async (_label, input) => {
    const { tm } = await clockedWorkflow(store);
    expect(await codeOf(tm.createTask({ type: "t", ...input }))).toBe("INVALID_INPUT");
  });
});

describeStores("the summary's pending counts", (store) => {
  it("counts ready, scheduled, waiting and blocked separately, adding up to pending", async () => {
    const { tm } = await clockedWorkflow(store);
    const failing = await tm.createTask({ type: "f" });
    await tm.createTask({ type: "b", dependsOn: [failing] });
    const open = await tm.createTask({ type: "o", priority: -1 });
    await tm.createTask({ type: "w", dependsOn: [open] });
    await tm.createTask({ type: "s", delaySeconds: 60 });
    await tm.createTask({ type: "r", priority: -2 });
    const claim = await tm.getNextTask({ agentId: "x", taskTypes: ["f"] });
    await tm.completeTask({ taskId: failing, agentId: "x", claimToken: claim?.claim_token, status: "failed" });
    const summary = await tm.getStatusSummary();
    expect(summary.status_counts.pending).toBe(5);
    expect(summary.pending_counts).toEqual({ ready: 2, conflicting: 0, scheduled: 1, waiting: 1, blocked: 1 });
    expect(summary.total_tasks).toBe(6);
  });
});
