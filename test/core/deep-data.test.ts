/**
 * How deep task data, results and metadata may be nested: at most 64 objects and arrays
 * on the way to the deepest value (`{}` is 1). Deeper input is refused before anything
 * is written, at any depth, without running out of stack; a store that holds deeper
 * data, written by hand, is still read.
 */
import { expect, it } from "vitest";
import { isTaskManagerError, type JsonObject } from "../../src/index.js";
import { depthOf, nested, nestedText } from "../helpers/deep-json.js";
import { refusal } from "../helpers/refusals.js";
import { describeStores } from "../helpers/stores.js";

const LIMIT = 64;


function expectTooDeep(error: { code?: string; message: string }, field: string): void {
  expect(error.code, error.message).toBe("INVALID_INPUT");
  expect(error.message).toContain(field);
  expect(error.message).toContain(`${LIMIT} levels`);
}

describeStores("nesting of data, results and metadata", (store) => {
  it("accepts data, results and metadata nested 64 deep, objects and arrays alike", async () => {
    const { tm } = await store.open();
    expect(depthOf(nested(LIMIT))).toBe(LIMIT);
    expect(depthOf(nested(LIMIT, true))).toBe(LIMIT);
    const id = await tm.createTask({ type: "t", data: nested(LIMIT) });
    expect(depthOf((await tm.getTask(id))?.data)).toBe(LIMIT);
    const claimed = await tm.getNextTask({ agentId: "w" });
    const done = await tm.completeTask({ taskId: id, agentId: "w", claimToken: claimed?.claim_token, resultData: nested(LIMIT, true) });
    expect(depthOf(done.result)).toBe(LIMIT);
    // The metadata object itself is the first level.
    const metadata = await tm.updateWorkflowMetadata({ plan: nested(LIMIT - 1) });
    expect(depthOf(metadata)).toBe(LIMIT);
  });

  it("refuses data nested 65 deep, or 100,000 deep, naming the field, and writes nothing", async () => {
    const { tm, snapshot } = await store.open();
    await tm.createTask({ type: "before" });
    const before = await snapshot();
    expectTooDeep(await refusal(tm.createTask({ type: "t", data: nested(LIMIT + 1) })), "data");
    expectTooDeep(await refusal(tm.createTask({ type: "t", data: nested(LIMIT + 1, true) })), "data");
    expectTooDeep(await refusal(tm.createTask({ type: "t", data: nested(100_000) })), "data");
    const batch = await refusal(tm.createTasks([{ type: "fine" }, { type: "t", data: { list: [nested(LIMIT)] } }]));
    expectTooDeep(batch, "data");
    expect(batch.message).toContain("task 2");
    expect(await snapshot()).toEqual(before);
    expect((await tm.getStatusSummary()).total_tasks).toBe(1);
  });

  it("refuses a result nested too deep, naming it, and the claim stays as it was", async () => {
    const { tm, snapshot } = await store.open();
    const id = await tm.createTask({ type: "t" });
    const claimToken = (await tm.getNextTask({ agentId: "w" }))?.claim_token;
    const before = await snapshot();
    expectTooDeep(await refusal(tm.completeTask({ taskId: id, agentId: "w", claimToken, resultData: nested(LIMIT + 1) })), "resultData");
    expectTooDeep(await refusal(tm.completeTask({ taskId: id, agentId: "w", claimToken, status: "failed", resultData: nested(100_000) })), "resultData");
    expect(await snapshot()).toEqual(before);
    expect(await tm.getTask(id)).toMatchObject({ status: "in_progress", locked_by: "w" });
  });

  it("refuses metadata nested too deep, naming it, and writes nothing", async () => {
    const { tm, snapshot } = await store.open();
    await tm.updateWorkflowMetadata({ goal: "ship" });
    const before = await snapshot();
    expectTooDeep(await refusal(tm.updateWorkflowMetadata({ plan: nested(LIMIT) })), "metadata");
    expectTooDeep(await refusal(tm.updateWorkflowMetadata(nested(100_000))), "metadata");
    expect(await snapshot()).toEqual(before);
    expect(await tm.getWorkflowMetadata()).toMatchObject({ goal: "ship" });
  });

  it("refuses data that contains itself instead of running out of stack", async () => {
    const { tm, snapshot } = await store.open();
    const before = await snapshot();
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    expectTooDeep(await refusal(tm.createTask({ type: "t", data: loop as JsonObject })), "data");
    expect(await snapshot()).toEqual(before);
  });

  /** A workflow of three tasks, the first one's data then nested 5,000 deep by hand; `tm` reads it afresh. */
  async function deepByHand() {
    const opened = await store.open();
    const deepId = await opened.tm.createTask({ type: "deep", data: { marker: "DEEP_HERE" } });
    const [first, second] = await opened.tm.createTasks([{ type: "other", priority: 2 }, { type: "other", priority: 1 }]);
    await opened.editByHand('"DEEP_HERE"', nestedText(5_000));
    return { ...opened, tm: opened.reopen(), deepId, others: [first?.id ?? "", second?.id ?? ""] };
  }

  it("with a task nested 5,000 deep by hand, fails no call without a code, and a refused write changes nothing", async () => {
    const { tm, deepId, others, snapshot } = await deepByHand();
    const calls: [string, () => Promise<unknown>][] = [
      ["getTask", () => tm.getTask(deepId)],
      ["listTasks", () => tm.listTasks()],
      ["getTaskChildren", () => tm.getTaskChildren(deepId)],
      ["getStatusSummary", () => tm.getStatusSummary()],
      ["getNextTask other", () => tm.getNextTask({ agentId: "w", taskTypes: ["other"] })],
      ["completeTask other", () => tm.completeTask({ taskId: others[0] as string, agentId: "w" })],
      ["getNextTask deep", () => tm.getNextTask({ agentId: "w", taskTypes: ["deep"] })],
      ["heartbeatTask deep", () => tm.heartbeatTask({ taskId: deepId, agentId: "w" })],
      ["cancelTask deep", () => tm.cancelTask({ taskId: deepId, agentId: "person", force: true })],
      ["updateWorkflowMetadata", () => tm.updateWorkflowMetadata({ note: "x" })],
    ];
    for (const [name, call] of calls) {
      const before = await snapshot();
      let outcome: string;
      try {
        await call();
        outcome = "done";
      } catch (error) {
        expect(isTaskManagerError(error), `${name}: ${String(error)}`).toBe(true);
        outcome = (error as { code: string }).code;
        expect(await snapshot(), `${name} was refused but wrote`).toEqual(before);
      }
      expect(outcome, name).toMatch(/^(done|STATE_FILE_CORRUPT|TASK_NOT_IN_PROGRESS|NOT_CLAIM_HOLDER)$/);
    }
  });

  it("still reads a task nested 5,000 deep by hand, and claims and finishes the others", async () => {
    const { tm, deepId, others } = await deepByHand();
    expect(depthOf((await tm.getTask(deepId))?.data)).toBe(5_001);
    expect((await tm.listTasks()).tasks.map((task) => task.id)).toEqual([deepId, ...others]);
    expect(await tm.getStatusSummary()).toMatchObject({ total_tasks: 3, type_counts: { deep: 1, other: 2 } });
    for (const id of others) {
      const claimed = await tm.getNextTask({ agentId: "w", taskTypes: ["other"] });
      expect(claimed?.id).toBe(id);
      expect(await tm.completeTask({ taskId: id, agentId: "w", claimToken: claimed?.claim_token, resultData: { ok: true } })).toMatchObject({ status: "completed" });
    }
    expect(depthOf((await tm.getTask(deepId))?.data)).toBe(5_001);
    expect((await tm.getStatusSummary()).status_counts).toMatchObject({ pending: 1, completed: 2 });
  });
});
