/**
 * Claim tokens: every claim gets a fresh, unguessable token, and only a call carrying the
 * current claim's token may finish, release or renew it. Two agents of one name (two
 * windows of one client) are told apart by it: an earlier claim's token is refused with
 * CLAIM_SUPERSEDED, any other (or none) with NOT_CLAIM_HOLDER. The store keeps only the
 * token's SHA-256, never the token, and no read returns either.
 */
import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import type { Task, WorkflowState } from "../../src/index.js";
import { codeOf } from "../helpers/coordination.js";
import { clockedWorkflow, describeStores } from "../helpers/stores.js";

type Claimed = Task & { claim_token: string };

/** The claim's token; fails the test when the claim returned none. */
function tokenOf(task: Task | null): string {
  const token = (task as Claimed | null)?.claim_token;
  expect(token, "the claim's claim_token").toEqual(expect.any(String));
  return token as string;
}

/** The SHA-256 (hex) the store keeps of a token: of its secret, the part after the attempt number. */
function digestOf(token: string): string {
  return createHash("sha256").update(token.slice(token.indexOf(".") + 1)).digest("hex");
}

function storedTask(state: WorkflowState | null, id: string) {
  return state?.tasks[id];
}

describeStores("claim tokens", (store) => {
  it("gives every claim a fresh token, <attempt>.<random>, that only its own claim's calls may use", async () => {
    const { tm, snapshot } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const claim = await tm.getNextTask({ agentId: "claude-code", leaseSeconds: 60 });
    const token = tokenOf(claim);
    expect(token).toMatch(/^1\.[A-Za-z0-9_-]{24,}$/);

    // The same name without the token, or with a made-up one: another window of the same client.
    const before = await snapshot();
    const madeUp = `1.${"A".repeat(24)}`;
    for (const claimToken of [undefined, madeUp, "nonsense", `2.${token.slice(2)}x`]) {
      expect(await codeOf(tm.completeTask({ taskId: id, agentId: "claude-code", claimToken }))).toBe("NOT_CLAIM_HOLDER");
      expect(await codeOf(tm.releaseTask({ taskId: id, agentId: "claude-code", claimToken }))).toBe("NOT_CLAIM_HOLDER");
      expect(await codeOf(tm.heartbeatTask({ taskId: id, agentId: "claude-code", claimToken, leaseSeconds: 1 }))).toBe("NOT_CLAIM_HOLDER");
    }
    expect(await snapshot()).toEqual(before);
    // Another agent, even with the right token, is not the holder.
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "someone-else", claimToken: token }))).toBe("NOT_CLAIM_HOLDER");

    expect((await tm.heartbeatTask({ taskId: id, agentId: "claude-code", claimToken: token })).locked_by).toBe("claude-code");
    expect((await tm.completeTask({ taskId: id, agentId: "claude-code", claimToken: token })).status).toBe("completed");
  });

  it("says what to do when the same name holds the task under another claim", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    tokenOf(await tm.getNextTask({ agentId: "claude-code" }));
    const refusal = await tm.completeTask({ taskId: id, agentId: "claude-code" }).catch((error: Error) => error);
    expect(refusal).toMatchObject({ code: "NOT_CLAIM_HOLDER" });
    expect((refusal as Error).message).toMatch(/another claim/);
    expect((refusal as Error).message).toContain("claim_token");
  });

  it("refuses an earlier claim's token with CLAIM_SUPERSEDED, and takes the new claim's", async () => {
    const { tm, clock, snapshot } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const first = tokenOf(await tm.getNextTask({ agentId: "claude-code", leaseSeconds: 10 }));
    clock.advance(11);
    const second = tokenOf(await tm.getNextTask({ agentId: "claude-code", leaseSeconds: 10 }));
    expect(second).toMatch(/^2\./);
    expect(second.slice(2)).not.toBe(first.slice(2));

    const before = await snapshot();
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "claude-code", claimToken: first }))).toBe("CLAIM_SUPERSEDED");
    expect(await codeOf(tm.releaseTask({ taskId: id, agentId: "claude-code", claimToken: first }))).toBe("CLAIM_SUPERSEDED");
    expect(await codeOf(tm.heartbeatTask({ taskId: id, agentId: "claude-code", claimToken: first }))).toBe("CLAIM_SUPERSEDED");
    expect(await snapshot()).toEqual(before);

    expect((await tm.releaseTask({ taskId: id, agentId: "claude-code", claimToken: second })).status).toBe("pending");
  });

  it("needs no token for a person's forced release or cancel, and the old claim's token is refused after", async () => {
    const { tm } = await clockedWorkflow(store);
    const id = await tm.createTask({ type: "t" });
    const first = tokenOf(await tm.getNextTask({ agentId: "w" }));
    expect((await tm.releaseTask({ taskId: id, agentId: "human:ana", force: true })).status).toBe("pending");
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "w", claimToken: first }))).toBe("TASK_NOT_IN_PROGRESS");
    tokenOf(await tm.getNextTask({ agentId: "w" }));
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "w", claimToken: first }))).toBe("CLAIM_SUPERSEDED");
    expect((await tm.cancelTask({ taskId: id, agentId: "human:ana", force: true })).status).toBe("cancelled");
  });

  it("keeps only the SHA-256 of the token while the claim lasts, and no read shows either", async () => {
    const { tm, clock, stored } = await clockedWorkflow(store);
    const parent = await tm.createTask({ type: "p" });
    const [id, done, released, expired] = [
      await tm.createTask({ type: "t", parentId: parent }),
      await tm.createTask({ type: "t" }),
      await tm.createTask({ type: "t" }),
      await tm.createTask({ type: "t" }),
    ] as [string, string, string, string];
    // Claimed in creation order (equal priorities): the parent first, left pending again.
    await tm.releaseTask({ taskId: parent, agentId: "w", claimToken: tokenOf(await tm.getNextTask({ agentId: "w", taskTypes: ["p"] })) });
    const token = tokenOf(await tm.getNextTask({ agentId: "w", taskTypes: ["t"], leaseSeconds: 600 }));
    const doneToken = tokenOf(await tm.getNextTask({ agentId: "w", taskTypes: ["t"], leaseSeconds: 600 }));
    const releasedToken = tokenOf(await tm.getNextTask({ agentId: "w", taskTypes: ["t"], leaseSeconds: 600 }));
    tokenOf(await tm.getNextTask({ agentId: "w", taskTypes: ["t"], leaseSeconds: 5 }));
    await tm.completeTask({ taskId: done, agentId: "w", claimToken: doneToken });
    await tm.releaseTask({ taskId: released, agentId: "w", claimToken: releasedToken });
    clock.advance(6);
    expect(await tm.getNextTask({ agentId: "w", taskTypes: ["none"] })).toBeNull(); // releases the expired claim

    const state = await stored();
    expect(storedTask(state, id)?.claim_token_sha256).toBe(digestOf(token));
    for (const ended of [done, released, expired]) expect(storedTask(state, ended)).not.toHaveProperty("claim_token_sha256");
    expect(JSON.stringify(state)).not.toContain(token.slice(2));

    const reads: unknown[] = [
      await tm.getTask(id),
      await tm.listTasks({}),
      await tm.listTasks({ status: "in_progress" }),
      await tm.getTaskChildren(parent),
      await tm.getStatusSummary(),
      await tm.heartbeatTask({ taskId: id, agentId: "w", claimToken: token }),
    ];
    for (const read of reads) {
      const text = JSON.stringify(read);
      expect(text).not.toContain("claim_token");
      expect(text).not.toContain(token.slice(2));
      expect(text).not.toContain(digestOf(token));
    }
    const finished = await tm.completeTask({ taskId: id, agentId: "w", claimToken: token });
    expect(JSON.stringify(finished)).not.toContain("claim_token");
    expect(storedTask(await stored(), id)).not.toHaveProperty("claim_token_sha256");
  });

  it("checks a claim made without a token (by the Python seed or an older version) by its holder's name", async () => {
    const { tm, clock } = await clockedWorkflow(store);
    const at = clock.iso();
    const held = (attempts: number) => ({
      type: "t",
      status: "in_progress" as const,
      parent_id: null,
      locked_by: "seed-agent",
      locked_at: at,
      created_at: at,
      completed_at: null,
      data: {},
      attempts,
      lease_seconds: 600,
      lease_expires_at: clock.iso(600),
    });
    await tm.importWorkflow({
      header: { workflow_type: "generic", metadata: { initialized_at: at, last_updated: at } },
      tasks: [
        ["t_0000000a", held(1)],
        ["t_0000000b", held(2)],
      ],
    });
    expect(await codeOf(tm.completeTask({ taskId: "t_0000000a", agentId: "another" }))).toBe("NOT_CLAIM_HOLDER");
    expect((await tm.heartbeatTask({ taskId: "t_0000000a", agentId: "seed-agent" })).locked_by).toBe("seed-agent");
    expect((await tm.completeTask({ taskId: "t_0000000a", agentId: "seed-agent" })).status).toBe("completed");
    // A token of an earlier claim still says the claim was superseded.
    expect(await codeOf(tm.completeTask({ taskId: "t_0000000b", agentId: "seed-agent", claimToken: `1.${"A".repeat(24)}` }))).toBe("CLAIM_SUPERSEDED");
    expect((await tm.releaseTask({ taskId: "t_0000000b", agentId: "seed-agent" })).status).toBe("pending");
  });
});
