// The recorded order of a workflow's tasks, which rules read instead of Object.keys.
import { describe, expect, it } from "vitest";
import type { StoredTask, WorkflowState } from "../../src/core/schema.js";
import { addTask, keepTaskOrder, recordTaskOrder, taskIdsOf } from "../../src/core/task-order.js";
import { writableTask } from "../../src/core/writable-task.js";
import * as rules from "../../src/core/workflow-rules.js";

const NOW = new Date("2026-01-01T00:00:00.000Z");

function workflowOf(count: number): WorkflowState {
  const state = rules.newWorkflowState(NOW);
  rules.createTasks(state, Array.from({ length: count }, (_, i) => ({ type: "work", data: { i }, parentId: null })), NOW);
  return state;
}

describe("task order", () => {
  it("is the object's own keys when nothing recorded it", () => {
    const state = workflowOf(3);
    expect(taskIdsOf(state)).toEqual(Object.keys(state.tasks));
  });

  it("once recorded, stays the object's keys as rules add tasks, replace them, or find one already there", () => {
    const state = workflowOf(3);
    keepTaskOrder(state.tasks);
    rules.createTasks(state, [{ type: "late", data: {}, parentId: null, idempotencyKey: "k" }], NOW);
    rules.createTasks(state, [{ type: "late", data: {}, parentId: null, idempotencyKey: "k" }], NOW); // already there
    const first = Object.keys(state.tasks)[0] as string;
    addTask(state, first, { ...(state.tasks[first] as StoredTask), type: "replaced" });
    expect(taskIdsOf(state)).toEqual(Object.keys(state.tasks));
    expect(taskIdsOf(state)).toHaveLength(4);
    // and a rule that walks the tasks sees the new one: it is claimed once the others are
    for (let i = 0; i < 4; i++) expect(rules.claimNextTask(state, { agentId: "a", now: NOW, staleAfterMs: 60_000 }).value).not.toBeNull();
    expect(rules.claimNextTask(state, { agentId: "a", now: NOW, staleAfterMs: 60_000 }).value).toBeNull();
  });

  it("is what a store recorded for an object it built", () => {
    const state = workflowOf(2);
    const ids = Object.keys(state.tasks).reverse();
    const tasks = Object.fromEntries(ids.map((id) => [id, state.tasks[id] as StoredTask]));
    recordTaskOrder(tasks, ids);
    expect(taskIdsOf({ ...state, tasks })).toBe(ids);
  });
});

describe("writableTask", () => {
  it("replaces a frozen task by a copy that the rule may change, and changes a task that is not frozen in place", () => {
    const state = workflowOf(2);
    const [frozenId, plainId] = Object.keys(state.tasks) as [string, string];
    const frozen = Object.freeze(state.tasks[frozenId] as StoredTask);
    const copy = writableTask(state, frozenId);
    expect(copy).not.toBe(frozen);
    expect(copy).toEqual(frozen);
    expect(Object.keys(copy)).toEqual(Object.keys(frozen));
    expect(state.tasks[frozenId]).toBe(copy);
    expect(taskIdsOf(state)).toEqual(Object.keys(state.tasks)); // replaced where it was

    const plain = state.tasks[plainId];
    expect(writableTask(state, plainId)).toBe(plain);
  });

  it("lets every rule work on frozen tasks: claim, heartbeat, complete, release, cancel, lease expiry", () => {
    const state = workflowOf(4);
    const freezeAll = (): void => {
      for (const id of Object.keys(state.tasks)) Object.freeze(state.tasks[id]);
    };
    const stale = 60_000;
    freezeAll();
    const a = rules.claimNextTask(state, { agentId: "a", now: NOW, staleAfterMs: stale }).value;
    const b = rules.claimNextTask(state, { agentId: "b", now: NOW, staleAfterMs: stale, leaseSeconds: 1 }).value;
    const c = rules.claimNextTask(state, { agentId: "c", now: NOW, staleAfterMs: stale }).value;
    if (!a || !b || !c) throw new Error("three tasks should be claimed");
    freezeAll();
    rules.heartbeatTask(state, { taskId: a.id, agentId: "a", claimToken: a.claim_token, now: NOW, staleAfterMs: stale });
    freezeAll();
    expect(rules.completeTask(state, { taskId: a.id, agentId: "a", claimToken: a.claim_token, status: "completed", now: NOW }).value.status).toBe("completed");
    freezeAll();
    expect(rules.releaseTask(state, { taskId: c.id, agentId: "c", claimToken: c.claim_token, now: NOW }).value.status).toBe("pending");
    freezeAll();
    // b's one-second lease runs out: the next claim ends it first
    const later = new Date(NOW.getTime() + 5_000);
    expect(rules.releaseStaleClaims(state, later, stale)).toEqual([b.id]);
    freezeAll();
    const pending = Object.keys(state.tasks).find((id) => state.tasks[id]?.status === "pending" && id !== b.id) as string;
    expect(rules.cancelTask(state, { taskId: pending, agentId: "p", now: later, staleAfterMs: stale }).value.status).toBe("cancelled");
  });
});
