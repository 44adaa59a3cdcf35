/**
 * A claim's lease and a wait for a claim are taken only within their ranges: a value
 * outside is refused with INVALID_INPUT naming the field and the range, never clamped
 * into it, and nothing is claimed or renewed.
 */
import { expect, it } from "vitest";
import { MAX_LEASE_SECONDS } from "../../src/core/workflow-defaults.js";
import { refusal } from "../helpers/refusals.js";
import { describeStores } from "../helpers/stores.js";


const LEASE_RANGE = /leaseSeconds: must be more than 0 and at most 2592000 seconds \(30 days\)/;

describeStores("ranges of leaseSeconds and waitMs", (store) => {
  it("refuses a claim with leaseSeconds or waitMs out of range, claiming nothing", async () => {
    expect(MAX_LEASE_SECONDS).toBe(2_592_000);
    const { tm, snapshot } = await store.open();
    const id = await tm.createTask({ type: "t" });
    const before = await snapshot();
    for (const leaseSeconds of [0, -1, MAX_LEASE_SECONDS + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await refusal(tm.getNextTask({ agentId: "w", leaseSeconds }));
      expect(error.code, `${leaseSeconds}: ${error.message}`).toBe("INVALID_INPUT");
      expect(error.message).toMatch(LEASE_RANGE);
    }
    for (const waitMs of [-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await refusal(tm.getNextTask({ agentId: "w", waitMs }));
      expect(error.code, `${waitMs}: ${error.message}`).toBe("INVALID_INPUT");
      expect(error.message).toMatch(/waitMs: must be a number of milliseconds, 0 or more/);
    }
    expect(await snapshot()).toEqual(before);
    expect((await tm.getNextTask({ agentId: "w", leaseSeconds: MAX_LEASE_SECONDS, waitMs: 0 }))?.id).toBe(id);
  });

  it("refuses a heartbeat with leaseSeconds out of range, renewing nothing", async () => {
    const { tm, snapshot } = await store.open();
    const id = await tm.createTask({ type: "t" });
    const claimToken = (await tm.getNextTask({ agentId: "w", leaseSeconds: 60 }))?.claim_token;
    const before = await snapshot();
    for (const leaseSeconds of [0, -30, MAX_LEASE_SECONDS + 1]) {
      const error = await refusal(tm.heartbeatTask({ taskId: id, agentId: "w", claimToken, leaseSeconds }));
      expect(error.code, `${leaseSeconds}: ${error.message}`).toBe("INVALID_INPUT");
      expect(error.message).toMatch(LEASE_RANGE);
    }
    expect(await snapshot()).toEqual(before);
    expect((await tm.heartbeatTask({ taskId: id, agentId: "w", claimToken, leaseSeconds: MAX_LEASE_SECONDS })).lease_seconds).toBe(60);
  });

  it("refuses task_defaults.lease_seconds out of range, naming it and the range", async () => {
    const { tm } = await store.open();
    const error = await refusal(tm.updateWorkflowMetadata({ task_defaults: { lease_seconds: MAX_LEASE_SECONDS * 2 } }));
    expect(error.message).toMatch(/task_defaults\.lease_seconds: must be more than 0 and at most 2592000 seconds/);
  });
});
