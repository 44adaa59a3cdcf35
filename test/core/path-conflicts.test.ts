import { expect, it } from "vitest";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

const WINDOW_1 = "window-one-session-secret";
const WINDOW_2 = "window-two-session-secret";

describeStores("paths and reservations", (store) => {
  it("keeps a task whose paths overlap another agent's task in progress, hands out the next disjoint one in order, and frees it when that task ends", async () => {
    const { tm } = await clockedWorkflow(store);
    const [auth, tokens, docs, later] = await tm.createTasks([
      { type: "t", paths: ["src/auth/**"], priority: 5 },
      { type: "t", paths: ["./src//auth/tokens.ts"], priority: 5 },
      { type: "t", paths: ["docs/*.md"], priority: 1 },
      { type: "t", paths: ["src/auth"] },
    ]);
    expect(tokens?.paths).toEqual(["src/auth/tokens.ts"]);
    const first = await tm.getNextTask({ agentId: "alice" });
    expect(first?.id).toBe(auth?.id);
    const second = await tm.getNextTask({ agentId: "bob" });
    expect(second?.id).toBe(docs?.id); // tokens (priority 5) and later both overlap alice's src/auth/**
    expect(await tm.getNextTask({ agentId: "carol" })).toBeNull();
    expect((await tm.getStatusSummary()).pending_counts).toMatchObject({ ready: 0, conflicting: 2 });

    await tm.completeTask({ taskId: auth?.id ?? "", agentId: "alice", claimToken: first?.claim_token });
    const third = await tm.getNextTask({ agentId: "carol" });
    expect(third?.id).toBe(tokens?.id);
    // carol holds src/auth/tokens.ts; src/auth is a directory above it
    expect(await tm.getNextTask({ agentId: "bob" })).toBeNull();
    expect((await tm.getTask(later?.id ?? ""))?.status).toBe("pending");
  });

  it("lets one holder take tasks that overlap its own, but not another window of the same client", async () => {
    const { tm } = await clockedWorkflow(store);
    await tm.createTasks([{ type: "t", paths: ["a.ts"] }, { type: "t", paths: ["a.ts"] }, { type: "t", paths: ["a.ts"] }]);
    expect(await tm.getNextTask({ agentId: "claude-code", session: WINDOW_1 })).not.toBeNull();
    expect(await tm.getNextTask({ agentId: "claude-code", session: WINDOW_2 })).toBeNull();
    expect(await tm.getNextTask({ agentId: "claude-code", session: WINDOW_1 })).not.toBeNull();
  });

  it("never shows the holder's session digest", async () => {
    const { tm, stored } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", paths: ["a.ts"] });
    const claimed = await tm.getNextTask({ agentId: "a", session: WINDOW_1 });
    await tm.reservePaths({ agentId: "a", session: WINDOW_1, paths: ["b.ts"] });
    for (const shown of [claimed, await tm.getTask(id), (await tm.listTasks()).tasks[0], ...(await tm.listReservations())]) {
      expect(JSON.stringify(shown)).not.toMatch(/session/);
    }
    const kept = await stored();
    expect(kept?.tasks[id]?.holder_session_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(kept)).not.toContain(WINDOW_1);
  });

  it("an exclusive glob reservation blocks overlapping claims and reservations of others, naming the holder, until released", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const granted = await tm.reservePaths({ agentId: "alice", paths: ["src/auth/**"], reason: "refactor" });
    expect(granted).toEqual({
      granted: true,
      conflicts: [],
      reservations: [{ path: "src/auth/**", held_by: "alice", exclusive: true, created_at: clock.iso(), expires_at: clock.iso(3600), reason: "refactor" }],
    });
    const blocked = await tm.createTask({ type: "t", paths: ["src/auth/login.ts"] });
    const free = await tm.createTask({ type: "t", paths: ["src/billing.ts"] });
    expect((await tm.getNextTask({ agentId: "bob" }))?.id).toBe(free);
    expect(await tm.getNextTask({ agentId: "bob" })).toBeNull();

    const refused = await tm.reservePaths({ agentId: "bob", paths: ["README.md", "src/auth/login.ts"] });
    expect(refused).toEqual({
      granted: false,
      reservations: [],
      conflicts: [{ path: "src/auth/login.ts", held_path: "src/auth/**", held_by: "alice", expires_at: clock.iso(3600), task_id: null }],
    });
    expect((await tm.listReservations()).map((r) => r.path)).toEqual(["src/auth/**"]); // all or nothing: README.md not reserved

    expect(await tm.releasePaths({ agentId: "bob" })).toEqual({ released: [] });
    expect(await tm.releasePaths({ agentId: "alice" })).toEqual({ released: ["src/auth/**"] });
    expect(await tm.listReservations()).toEqual([]);
    expect((await tm.getNextTask({ agentId: "bob" }))?.id).toBe(blocked);
  });

  it("ends a reservation at its ttl, and renews it when its holder reserves again", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    await tm.reservePaths({ agentId: "alice", paths: ["a.ts"], ttlSeconds: 60 });
    clock.advance(50);
    await tm.reservePaths({ agentId: "alice", paths: ["a.ts"], ttlSeconds: 60 });
    expect(await tm.listReservations()).toEqual([expect.objectContaining({ path: "a.ts", expires_at: clock.iso(60) })]);
    const id = await tm.createTask({ type: "t", paths: ["a.ts"] });
    clock.advance(59);
    expect(await tm.getNextTask({ agentId: "bob" })).toBeNull();
    expect((await tm.reservePaths({ agentId: "bob", paths: ["a.ts"], exclusive: false })).granted).toBe(false);
    clock.advance(1);
    expect(await tm.listReservations()).toEqual([]);
    expect((await tm.getNextTask({ agentId: "bob" }))?.id).toBe(id);
  });

  it("a task in progress counts as its holder's reservation: the holder may reserve inside it, others may not", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", paths: ["src/**"] });
    await tm.getNextTask({ agentId: "alice" });
    expect((await tm.reservePaths({ agentId: "alice", paths: ["src/x.ts"] })).granted).toBe(true);
    const refused = await tm.reservePaths({ agentId: "bob", paths: ["src/y.ts"], exclusive: false });
    expect(refused.conflicts).toEqual([{ path: "src/y.ts", held_path: "src/**", held_by: "alice", expires_at: null, task_id: id }]);
  });

  it("shared reservations coexist and block neither claims nor other shared ones; an exclusive one conflicts with them", async () => {
    const { tm } = await clockedWorkflow(store);
    expect((await tm.reservePaths({ agentId: "a", paths: ["lib/**"], exclusive: false })).granted).toBe(true);
    expect((await tm.reservePaths({ agentId: "b", paths: ["lib/x.ts"], exclusive: false })).granted).toBe(true);
    const refused = await tm.reservePaths({ agentId: "c", paths: ["lib/x.ts"] });
    expect(refused.conflicts.map((c) => c.held_by).sort()).toEqual(["a", "b"]);
    await tm.createTask({ type: "t", paths: ["lib/x.ts"] });
    expect(await tm.getNextTask({ agentId: "c" })).not.toBeNull();
    expect((await tm.reservePaths({ agentId: "d", paths: ["lib/x.ts"], exclusive: false })).granted).toBe(false); // c's task holds it exclusively
  });

  it("ends a reservation made for a task when the task finishes; refuses one for a task that does not exist", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claimed = await tm.getNextTask({ agentId: "alice" });
    expect((await tm.reservePaths({ agentId: "alice", paths: ["x/**"], taskId: id })).reservations[0]?.task_id).toBe(id);
    expect((await tm.reservePaths({ agentId: "bob", paths: ["x/y"] })).granted).toBe(false);
    await tm.completeTask({ taskId: id, agentId: "alice", claimToken: claimed?.claim_token });
    expect(await tm.listReservations()).toEqual([]);
    expect((await tm.reservePaths({ agentId: "bob", paths: ["x/y"] })).granted).toBe(true);
    const before = await snapshot();
    expect(await codeOf(tm.reservePaths({ agentId: "bob", paths: ["z"], taskId: "t_missing" }))).toBe("TASK_NOT_FOUND");
    expect(await codeOf(tm.reservePaths({ agentId: "bob", paths: ["z"], taskId: id }))).toBe("INVALID_INPUT"); // already completed
    expect(await snapshot()).toEqual(before);
  });

  it("refuses bad paths with INVALID_INPUT naming them, and changes nothing", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    await tm.createTask({ type: "t", paths: ["ok.ts"] });
    const before = await snapshot();
    const bad = ["/etc/passwd", "../outside", "a/../../b", "", "a\0b", "C:/x", "a\\b", "!src", ".", 7];
    for (const path of bad) {
      const refusal = tm.createTasks([{ type: "t" }, { type: "t", paths: ["fine.ts", path as string] }]);
      await expect(refusal).rejects.toMatchObject({ code: "INVALID_INPUT", message: expect.stringMatching(/task 2 paths\[1\]|task 2/) });
      expect(await codeOf(tm.reservePaths({ agentId: "a", paths: [path as string] }))).toBe("INVALID_INPUT");
      expect(await codeOf(tm.releasePaths({ agentId: "a", paths: [path as string] }))).toBe("INVALID_INPUT");
    }
    expect(await codeOf(tm.createTask({ type: "t", paths: Array.from({ length: 101 }, (_, i) => `f${i}`) }))).toBe("INVALID_INPUT");
    expect(await codeOf(tm.reservePaths({ agentId: "a", paths: ["x"], ttlSeconds: 86_401 }))).toBe("INVALID_INPUT");
    expect(await codeOf(tm.reservePaths({ agentId: "a", paths: ["x"], ttlSeconds: 0 }))).toBe("INVALID_INPUT");
    expect(await codeOf(tm.reservePaths({ agentId: "a", paths: ["x"], ttlSeconds: 0.5 }))).toBe("INVALID_INPUT"); // would end before it is used
    expect(await snapshot()).toEqual(before);
  });

  it("releases a holding task whose lease ran out before deciding what is free", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t", paths: ["a.ts"] });
    await tm.createTask({ type: "t", paths: ["a.ts"] });
    await tm.getNextTask({ agentId: "crashed", leaseSeconds: 10 });
    expect(await tm.getNextTask({ agentId: "b" })).toBeNull();
    clock.advance(11);
    // The expired claim goes back to pending first; the oldest overlapping task is then free.
    expect((await tm.getNextTask({ agentId: "b" }))?.id).toBe(id);
  });
});

describeStores("waiting on a path conflict", (store) => {
  it("wakes a waiting agent when the reservation in its way is released, and when it expires", async () => {
    const { tm } = await store.open();
    await tm.reservePaths({ agentId: "alice", paths: ["a.ts", "b.ts"], ttlSeconds: 1 });
    await tm.createTasks([{ type: "t", paths: ["a.ts"] }, { type: "t", paths: ["b.ts"] }]);
    const started = Date.now();
    const waiting = tm.getNextTask({ agentId: "bob", waitMs: 10_000 });
    await tm.releasePaths({ agentId: "alice", paths: ["a.ts"] });
    expect((await waiting)?.paths).toEqual(["a.ts"]);
    expect((await tm.getNextTask({ agentId: "carol", waitMs: 10_000 }))?.paths).toEqual(["b.ts"]);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(500);
    expect(waited).toBeLessThan(9_000);
  });

  it("wakes a waiting agent when the task in its way is completed", async () => {
    const { tm } = await store.open();
    await tm.createTasks([{ type: "t", paths: ["a.ts"] }, { type: "t", paths: ["a.ts"] }]);
    const held = await tm.getNextTask({ agentId: "alice" });
    const waiting = tm.getNextTask({ agentId: "bob", waitMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await tm.completeTask({ taskId: held?.id ?? "", agentId: "alice", claimToken: held?.claim_token });
    expect(await waiting).toMatchObject({ locked_by: "bob", paths: ["a.ts"] });
  });
});
