// A store's nextClaimTime (what a waiting getNextTask sleeps until) must say what the
// core's rule says for the same workflow: every store answers it its own way (the JSON
// store by the rule, a database from its indexes), so each is checked against the rule.
import { expect, it } from "vitest";
import { nextClaimTime } from "../../src/index.js";
import { clockedWorkflow, describeStores, type StoreFixture } from "../helpers/stores.js";

async function agreesWithTheRule(made: Awaited<ReturnType<typeof clockedWorkflow>>, taskTypes?: string[]): Promise<Date | null> {
  const query = { taskTypes, now: made.clock.now(), staleAfterMs: 3_600_000 };
  const answer = (await made.tm.store.nextClaimTime?.(query)) ?? null;
  const state = await made.stored();
  expect(answer, JSON.stringify(taskTypes)).toEqual(state === null ? null : nextClaimTime(state, query));
  return answer;
}

async function scheduledAndHeld(store: StoreFixture) {
  const made = await clockedWorkflow(store, { taskTimeoutHours: 1 });
  const { tm } = made;
  await tm.createTasks([
    { type: "later", delaySeconds: 600 },
    { type: "soon", delaySeconds: 60 },
    { type: "held" },
    { type: "blocked-by-held", dependsOn: ["#2"] },
  ]);
  await tm.getNextTask({ agentId: "w", taskTypes: ["held"], leaseSeconds: 300 });
  return made;
}

describeStores("nextClaimTime", (store) => {
  it("is null for an empty workflow, and now when a task is ready", async () => {
    const made = await clockedWorkflow(store);
    expect(await agreesWithTheRule(made)).toBeNull();
    await made.tm.createTask({ type: "t" });
    expect(await agreesWithTheRule(made)).toEqual(made.clock.now());
    expect(await agreesWithTheRule(made, ["other"])).toBeNull();
  });

  it("is the earliest not_before, or a lease's end, of the types asked for", async () => {
    const made = await scheduledAndHeld(store);
    expect(await agreesWithTheRule(made)).toEqual(new Date(Date.parse(made.clock.iso(60))));
    expect(await agreesWithTheRule(made, ["later"])).toEqual(new Date(Date.parse(made.clock.iso(600))));
    expect(await agreesWithTheRule(made, ["held", "later"])).toEqual(new Date(Date.parse(made.clock.iso(300)) + 1));
    expect(await agreesWithTheRule(made, ["blocked-by-held"])).toBeNull(); // only a completion frees it
  });

  it("moves on with the clock: a passed schedule is now, an expired lease is now", async () => {
    const made = await scheduledAndHeld(store);
    made.clock.advance(61);
    expect(await agreesWithTheRule(made, ["soon"])).toEqual(made.clock.now());
    made.clock.advance(300);
    expect(await agreesWithTheRule(made, ["held"])).toEqual(made.clock.now());
    // A claim releases the expired lease and takes the scheduled task; the rule and the store still agree.
    expect((await made.tm.getNextTask({ agentId: "w", taskTypes: ["soon"] }))?.type).toBe("soon");
    await agreesWithTheRule(made);
    await agreesWithTheRule(made, ["later", "held"]);
  });
});
