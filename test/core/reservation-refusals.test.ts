/**
 * A reservation refused (a conflict) or invalid leaves the store as it
 * was, byte for byte (the JSON state file) or row for row (SQLite, PostgreSQL), on every store.
 */
import { expect, it } from "vitest";
import { describeStores } from "../helpers/stores.js";

const ALICE = "alice-session-secret-0123456789";
const BOB = "bob-session-secret-0123456789ab";

describeStores("refused and invalid reservations change nothing", (store) => {
  it("a conflict, a bad path, a bad ttl, a long reason, a missing or finished task, no path", async () => {
    const { tm, snapshot } = await store.open();
    await tm.createTasks([{ type: "held", paths: ["src/auth/**"] }, { type: "done" }, { type: "waits", paths: ["src/auth/x.ts"] }]);
    const held = await tm.getNextTask({ agentId: "alice", session: ALICE, taskTypes: ["held"] });
    const done = await tm.getNextTask({ agentId: "alice", session: ALICE, taskTypes: ["done"] });
    await tm.completeTask({ taskId: done?.id ?? "", agentId: "alice", claimToken: done?.claim_token });
    expect((await tm.reservePaths({ agentId: "alice", session: ALICE, paths: ["docs/**"], ttlSeconds: 600 })).granted).toBe(true);
    const before = await snapshot();

    const bob = (request: Record<string, unknown>) => tm.reservePaths({ agentId: "bob", session: BOB, paths: ["lib/free.ts"], ...request });
    const refused = await bob({ paths: ["lib/free.ts", "docs/a.md"] });
    expect(refused).toMatchObject({ granted: false, reservations: [] });
    expect((await bob({ paths: ["src/*/x.ts"] })).granted).toBe(false);
    expect((await bob({ paths: ["**/x.ts"] })).granted).toBe(false);
    for (const bad of [
      { paths: ["lib/free.ts", "../x"] },
      { paths: ["lib/free.ts", "/abs"] },
      { paths: [] },
      { ttlSeconds: 0 },
      { ttlSeconds: -1 },
      { ttlSeconds: 86_401 },
      { ttlSeconds: Number.NaN },
      { ttlSeconds: Number.POSITIVE_INFINITY },
      { ttlSeconds: "60" },
      { reason: "x".repeat(1001) },
      { taskId: "no_such_task" },
      { taskId: "__proto__" },
      { taskId: done?.id },
      { exclusive: "no" },
    ]) {
      await expect(bob(bad), JSON.stringify(bad)).rejects.toMatchObject({ code: expect.stringMatching(/INVALID_INPUT|TASK_NOT_FOUND/) });
    }
    expect((await tm.releasePaths({ agentId: "alice", session: BOB })).released).toEqual([]);
    expect((await tm.releasePaths({ agentId: "bob", session: BOB, paths: ["docs/**"] })).released).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(held).not.toBeNull();
  });
});
