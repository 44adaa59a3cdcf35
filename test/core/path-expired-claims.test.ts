/**
 * A claim whose lease ran out holds its task's paths no longer. Another
 * agent may take that task over, and tasks overlapping it, as it may take any expired claim.
 */
import { expect, it } from "vitest";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

const ALICE = "alice-session-secret-0123456789";
const BOB = "bob-session-secret-0123456789ab";

describeStores("an expired claim and its paths", (store) => {
  it("the task is taken over by another agent once its lease ran out, and then blocks overlapping ones for the new holder only", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const [first] = await tm.createTasks([{ type: "t", paths: ["src/auth/**"] }]);
    const alice = await tm.getNextTask({ agentId: "alice", session: ALICE, leaseSeconds: 30 });
    expect(alice?.id).toBe(first?.id);
    expect(await tm.getNextTask({ agentId: "bob", session: BOB })).toBeNull();
    clock.advance(31);
    const bob = await tm.getNextTask({ agentId: "bob", session: BOB });
    expect(bob).toMatchObject({ id: first?.id, locked_by: "bob" });
    const summary = await tm.getStatusSummary();
    expect(summary.status_counts.in_progress).toBe(1);
  });

  it("a pending task overlapping an expired claim is claimable, or the expired one is taken first", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    await tm.createTasks([{ type: "old", paths: ["src/auth/**"], priority: 0 }]);
    expect((await tm.getNextTask({ agentId: "alice", session: ALICE, leaseSeconds: 30 }))?.type).toBe("old");
    await tm.createTasks([{ type: "new", paths: ["src/auth/login.ts"], priority: 5 }]);
    clock.advance(31);
    // Whatever bob gets, someone gets something: the expired claim no longer holds src/auth/**.
    const bob = await tm.getNextTask({ agentId: "bob", session: BOB });
    expect(bob).not.toBeNull();
  });
});
