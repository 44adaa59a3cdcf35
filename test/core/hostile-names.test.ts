import { expect, it } from "vitest";
import { describeStores } from "../helpers/stores.js";

describeStores("task types that are also names of Object.prototype", (store) => {
  it("are counted like any other type", async () => {
    const { tm } = await store.open();
    for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty", "constructor"]) await tm.createTask({ type });
    const summary = await tm.getStatusSummary();
    expect(summary.total_tasks).toBe(5);
    expect(Object.entries(summary.type_counts).sort()).toEqual([
      ["__proto__", 1],
      ["constructor", 2],
      ["hasOwnProperty", 1],
      ["toString", 1],
    ]);
    expect(Object.getPrototypeOf(summary.type_counts)).toBe(Object.prototype);
  });

  it("do not make a task id that looks up the prototype", async () => {
    const { tm } = await store.open();
    await tm.createTask({ type: "a" });
    for (const id of ["__proto__", "constructor", "toString"]) {
      expect(await tm.getTask(id)).toBeNull();
      await expect(tm.completeTask({ taskId: id, agentId: "w" })).rejects.toMatchObject({ code: "TASK_NOT_FOUND" });
      await expect(tm.getTaskChildren(id)).rejects.toMatchObject({ code: "TASK_NOT_FOUND" });
    }
  });
});
