// createTasks: many tasks in one call and one transaction, all or none, in every store.
import { expect, it } from "vitest";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

describeStores("createTasks in bulk", (store) => {
  it("creates every task of the call in order, and a thousand as readily as one", async () => {
    const { tm } = await clockedWorkflow(store);
    const created = await tm.createTasks(Array.from({ length: 1000 }, (_, i) => ({ type: i % 2 ? "odd" : "even", data: { i } })));
    expect(created.map((task) => task.data.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(new Set(created.map((task) => task.id)).size).toBe(1000);
    const summary = await tm.getStatusSummary();
    expect(summary).toMatchObject({ total_tasks: 1000, type_counts: { odd: 500, even: 500 }, pending_counts: { ready: 1000 } });
    const listed = await tm.listTasks({ limit: 500 });
    expect(listed.tasks.map((task) => task.id)).toEqual(created.slice(0, 500).map((task) => task.id));
  });

  it("writes nothing when any task of the call is refused", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    await tm.createTask({ type: "existing" });
    const before = await snapshot();
    expect(await codeOf(tm.createTasks([{ type: "a" }, { type: "b", dependsOn: ["missing_00000000"] }]))).toBe("TASK_NOT_FOUND");
    expect(await codeOf(tm.createTasks([{ type: "a" }, { type: "b/c" }]))).toBe("INVALID_INPUT");
    expect(await snapshot()).toEqual(before);
    expect((await tm.getStatusSummary()).total_tasks).toBe(1);
  });

  it("lets a task name an earlier one of the same call as #index, for its parent or a dependency", async () => {
    const { tm } = await clockedWorkflow(store);
    const [goal, fetch, parse, report] = await tm.createTasks([
      { type: "goal" },
      { type: "fetch", parentId: "#0" },
      { type: "parse", parentId: "#0", dependsOn: ["#1"] },
      { type: "report", parentId: "#0", dependsOn: ["#1", "#2"] },
    ]);
    expect(fetch?.parent_id).toBe(goal?.id);
    expect(parse).toMatchObject({ parent_id: goal?.id, depends_on: [fetch?.id] });
    expect(report?.depends_on).toEqual([fetch?.id, parse?.id]);
    expect((await tm.getTaskChildren(goal?.id ?? "")).map((task) => task.id)).toEqual([fetch?.id, parse?.id, report?.id]);
    // The dependencies hold: fetch first (the goal too is ready), then parse, then report.
    const claim = await tm.getNextTask({ agentId: "w", taskTypes: ["fetch", "parse", "report"] });
    expect(claim?.id).toBe(fetch?.id);
    expect(await tm.getNextTask({ agentId: "w", taskTypes: ["parse", "report"] })).toBeNull();
    await tm.completeTask({ taskId: fetch?.id ?? "", agentId: "w", claimToken: claim?.claim_token });
    expect((await tm.getNextTask({ agentId: "w", taskTypes: ["parse", "report"] }))?.id).toBe(parse?.id);
  });

  it("refuses a reference to a later task of the call, or past its end, and writes nothing", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    const before = await snapshot();
    expect(await codeOf(tm.createTasks([{ type: "a", dependsOn: ["#1"] }, { type: "b" }]))).toBe("TASK_NOT_FOUND");
    expect(await codeOf(tm.createTasks([{ type: "a" }, { type: "b", parentId: "#7" }]))).toBe("TASK_NOT_FOUND");
    expect(await snapshot()).toEqual(before);
  });

  it("resolves #index to the task that already existed when its idempotency key matched", async () => {
    const { tm } = await clockedWorkflow(store);
    const first = await tm.createTask({ type: "build", idempotencyKey: "build-1" });
    const [again, test] = await tm.createTasks([{ type: "build", idempotencyKey: "build-1" }, { type: "test", dependsOn: ["#0"] }]);
    expect(again).toMatchObject({ id: first, already_existed: true });
    expect(test?.depends_on).toEqual([first]);
  });
});
