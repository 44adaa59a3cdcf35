/**
 * getNextTask({ waitMs }) over real files with the real clock: woken by another
 * process's change, by a schedule or a lease running out, by a dependency done; null
 * when the time is up; stopped by an AbortSignal. Bounds are generous ("well before
 * the wait ends"), never measurements.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nextClaimTime } from "../../src/core/claim-timing.js";
import type { WorkflowState } from "../../src/core/schema.js";
import { TaskManager, type TaskStore } from "../../src/index.js";
import { JsonFileStore } from "../../src/store/json/json-file-store.js";
import { watchedDirectoryCount } from "../../src/store/json/state-dir-watcher.js";
import { ManualClock, codeOf } from "../helpers/coordination.js";
import { repoRoot } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { describeStores, type StoreFixture } from "../helpers/stores.js";
import { tempDir } from "../helpers/temp-dir.js";

const createOne = join(repoRoot, "test", "fixtures", "create-one.mjs");
const LONG_WAIT_MS = 40_000;
/** Well before the wait ends: what "woken by the change" means here, with room for a slow machine. */
const WELL_BEFORE_MS = LONG_WAIT_MS / 2;

/** A fresh workflow of the store under test, on the real clock. */
async function manager(store: StoreFixture): Promise<{ tm: TaskManager }> {
  return store.open();
}

/** A fresh JSON state file, for what is about the JSON store's own watch. */
async function jsonManager(): Promise<{ tm: TaskManager; stateFile: string }> {
  const stateFile = join(await tempDir(), "wf.json");
  return { tm: new TaskManager({ stateFile }), stateFile };
}

/** The promise's value and how long it took. */
async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await promise;
  return { value, ms: Date.now() - started };
}

describeStores("getNextTask with waitMs", (store) => {
  // Other processes and stores without wait support: the JSON store here; the others' own tests cover their processes.
  const jsonOnly = it.runIf(store.name === "json");

  jsonOnly("is woken when another process creates a matching task, and ignores other types", async () => {
    const { tm, stateFile } = await jsonManager();
    const waiting = timed(tm.getNextTask({ agentId: "waiter", taskTypes: ["wanted"], waitMs: LONG_WAIT_MS }));
    expect((await runNode(createOne, [stateFile, "other", "4000", "0"])).code).toBe(0);
    const created = await runNode(createOne, [stateFile, "wanted", "4000", "0"]);
    const { value: task, ms } = await waiting;
    expect(task).toMatchObject({ id: created.stdout.trim(), type: "wanted", locked_by: "waiter", status: "in_progress" });
    expect(ms).toBeLessThan(WELL_BEFORE_MS);
  });

  it("returns a task that is ready at once without waiting", async () => {
    const { tm } = await manager(store);
    const id = await tm.createTask({ type: "t" });
    expect(await tm.getNextTask({ agentId: "w", waitMs: LONG_WAIT_MS })).toMatchObject({ id });
  });

  it("returns null when nothing becomes claimable in time, and stops watching", async () => {
    const { tm } = await manager(store);
    const watchersBefore = watchedDirectoryCount();
    expect(await tm.getNextTask({ agentId: "w", waitMs: 200 })).toBeNull();
    expect(watchedDirectoryCount()).toBe(watchersBefore);
  });

  it("wakes when a task's not_before is reached", async () => {
    const { tm } = await manager(store);
    const id = await tm.createTask({ type: "t", delaySeconds: 1 });
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
    const { value, ms } = await timed(tm.getNextTask({ agentId: "w", waitMs: LONG_WAIT_MS }));
    expect(value).toMatchObject({ id });
    expect(ms).toBeLessThan(WELL_BEFORE_MS);
  });

  it("wakes when another agent's lease runs out", async () => {
    const { tm } = await manager(store);
    const id = await tm.createTask({ type: "t" });
    await tm.getNextTask({ agentId: "slow", leaseSeconds: 1 });
    const { value, ms } = await timed(tm.getNextTask({ agentId: "w", waitMs: LONG_WAIT_MS }));
    expect(value).toMatchObject({ id, locked_by: "w", attempts: 2 });
    expect(ms).toBeLessThan(WELL_BEFORE_MS);
  });

  it("wakes when a dependency is completed", async () => {
    const { tm } = await manager(store);
    const first = await tm.createTask({ type: "build" });
    const second = await tm.createTask({ type: "test", dependsOn: [first] });
    const build = await tm.getNextTask({ agentId: "builder" });
    const waiting = tm.getNextTask({ agentId: "tester", taskTypes: ["test"], waitMs: LONG_WAIT_MS });
    await tm.completeTask({ taskId: first, agentId: "builder", claimToken: build?.claim_token });
    expect(await waiting).toMatchObject({ id: second, locked_by: "tester" });
  });

  it("stops when its signal is aborted, with the signal's reason", async () => {
    const { tm } = await manager(store);
    const watchersBefore = watchedDirectoryCount();
    const controller = new AbortController();
    const waiting = tm.getNextTask({ agentId: "w", waitMs: LONG_WAIT_MS, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    expect(watchedDirectoryCount()).toBe(watchersBefore);
    // Nothing is left waiting: a task created now stays pending.
    const id = await tm.createTask({ type: "t" });
    expect(await tm.getTask(id)).toMatchObject({ status: "pending" });
  });

  it("refuses a negative waitMs with INVALID_INPUT", async () => {
    const { tm } = await manager(store);
    expect(await codeOf(tm.getNextTask({ agentId: "w", waitMs: -1 }))).toBe("INVALID_INPUT");
  });

  jsonOnly("works over a store that can neither watch nor tell the next claim time, by re-checking", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ store: withoutWaitSupport(new JsonFileStore({ file: stateFile, lockTimeoutSeconds: 5 })) });
    const waiting = tm.getNextTask({ agentId: "w", waitMs: LONG_WAIT_MS });
    const id = await new TaskManager({ stateFile }).createTask({ type: "t" });
    expect(await waiting).toMatchObject({ id });
  });
});

describe("nextClaimTime", () => {
  const clock = new ManualClock();
  const base = { parent_id: null, locked_by: null, locked_at: null, created_at: clock.iso(), completed_at: null, data: {} };
  const state = (tasks: WorkflowState["tasks"]): WorkflowState => ({
    workflow_type: "generic",
    metadata: { initialized_at: clock.iso(), last_updated: clock.iso() },
    tasks,
  });
  const query = { now: clock.now(), staleAfterMs: 3_600_000 };

  it("is now for a ready task, the not_before of a scheduled one, and the lease's end of a held one", () => {
    expect(nextClaimTime(state({ a: { ...base, type: "t", status: "pending" } }), query)).toEqual(clock.now());
    const scheduled = state({ a: { ...base, type: "t", status: "pending", not_before: clock.iso(60) } });
    expect(nextClaimTime(scheduled, query)).toEqual(new Date(clock.iso(60)));
    const held = state({ a: { ...base, type: "t", status: "in_progress", locked_by: "x", locked_at: clock.iso(), lease_expires_at: clock.iso(30) } });
    expect(nextClaimTime(held, query)?.getTime()).toBe(Date.parse(clock.iso(30)) + 1);
  });

  it("is null when only a change can help: waiting on a dependency, other types, finished tasks", () => {
    const tasks = state({
      dep: { ...base, type: "other", status: "in_progress", locked_by: "x", locked_at: clock.iso(), lease_expires_at: clock.iso(30) },
      a: { ...base, type: "t", status: "pending", depends_on: ["dep"] },
      b: { ...base, type: "t", status: "completed", completed_at: clock.iso() },
    });
    expect(nextClaimTime(tasks, { ...query, taskTypes: ["t"] })).toBeNull();
    expect(nextClaimTime(tasks, query)?.getTime()).toBe(Date.parse(clock.iso(30)) + 1); // "other" counts when all types do
  });
});

/** The store with only the methods every store has: no watchChanges, no nextClaimTime. */
function withoutWaitSupport(store: JsonFileStore): TaskStore {
  const optional = new Set<string | symbol>(["watchChanges", "nextClaimTime"]);
  return new Proxy(store, { get: (target, key, receiver) => (optional.has(key) ? undefined : Reflect.get(target, key, receiver)) });
}
