/**
 * The PostgreSQL store's hot path (claim, heartbeat, complete), which does not run the
 * general read-rule-write path: claims asked for together are made by one statement, and
 * the holder's heartbeat or completion runs the rule on the row its claim returned and
 * writes it, shared with other agents' changes of the moment, only if it is still that
 * version. Each test here fails if that shortcut gave a different answer from the rule on
 * the row as it is now (postgres/shared-statement.ts, PostgresStore.mutateClaimed).
 */
import { describe, expect, it } from "vitest";
import { codeOf } from "../helpers/coordination.js";
import { openPostgresWorkflow, testSchema, withClient } from "../helpers/postgres.js";
import { has } from "../helpers/requirements.js";

const openWorkflow = () => openPostgresWorkflow("hot");

/** The row's columns the hot path writes, read over a connection of its own. */
async function rowOf(workflow: string, id: string): Promise<{ status: string; unmet_deps: number; claim_agent: string | null; version: number }> {
  return withClient(async (client) => {
    const s = `"${testSchema()}"`;
    const result = await client.query(
      `SELECT t.status, t.unmet_deps, t.claim_agent, t.version FROM ${s}.tasks t JOIN ${s}.workflows w ON w.wf = t.wf WHERE w.name = $1 AND t.id = $2`,
      [workflow, id],
    );
    return result.rows[0] as { status: string; unmet_deps: number; claim_agent: string | null; version: number };
  });
}

describe.skipIf(!has("postgres"))("PostgresStore's hot path", () => {
  it("makes claims asked for together in one go: each agent its own task, in claim order, of the types it asked for", async () => {
    const { tm } = openWorkflow();
    const low = await tm.createTask({ type: "job", priority: 1 });
    const high = await tm.createTask({ type: "job", priority: 5 });
    const middle = await tm.createTask({ type: "job", priority: 3 });
    const other = await tm.createTask({ type: "other" });
    // Asked for at the same moment: the first goes alone, the rest together in the next statement.
    const agents = ["a0", "a1", "a2", "a3", "a4"];
    const claims = await Promise.all([
      ...agents.map((agentId) => tm.getNextTask({ agentId, taskTypes: ["job"] })),
      tm.getNextTask({ agentId: "b", taskTypes: ["other"] }),
    ]);
    expect(claims.map((task) => task?.id ?? null)).toEqual([high, middle, low, null, null, other]);
    for (const [index, task] of claims.entries()) {
      if (!task) continue;
      const holder = index < agents.length ? agents[index] : "b";
      expect(task.locked_by).toBe(holder);
      expect((await tm.getTask(task.id))?.locked_by).toBe(holder);
    }
  });

  it("checks a completion against the row as it is now when another process changed it after the claim", async () => {
    const { tm, process: elsewhere, workflow } = openWorkflow();
    const id = await tm.createTask({ type: "job" });
    const mine = await tm.getNextTask({ agentId: "a" });
    expect(mine?.id).toBe(id);
    // Another process: a person takes the task back, and agent b claims it (attempt 2).
    const other = elsewhere();
    await other.releaseTask({ taskId: id, agentId: "person", force: true });
    const theirs = await other.getNextTask({ agentId: "b" });
    expect(theirs?.attempts).toBe(2);
    // a's completion was made from the row a's claim returned; it must be refused, and b's claim left alone.
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "a", claimToken: mine?.claim_token }))).toBe("NOT_CLAIM_HOLDER");
    expect(await codeOf(tm.heartbeatTask({ taskId: id, agentId: "a" }))).toBe("NOT_CLAIM_HOLDER");
    expect((await rowOf(workflow, id)).status).toBe("in_progress");
    expect((await tm.getTask(id))?.locked_by).toBe("b");
    expect((await other.completeTask({ taskId: id, agentId: "b", claimToken: theirs?.claim_token })).status).toBe("completed");
  });

  it("refuses a completion of an earlier claim when the same agent claimed the task again elsewhere", async () => {
    const { tm, process: elsewhere } = openWorkflow();
    const id = await tm.createTask({ type: "job" });
    const first = await tm.getNextTask({ agentId: "a" });
    const other = elsewhere();
    await other.releaseTask({ taskId: id, agentId: "person", force: true });
    const again = await other.getNextTask({ agentId: "a" });
    expect(again?.attempts).toBe(2);
    // The row in hand says the first claim is current; the database says the second is.
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "a", claimToken: first?.claim_token }))).toBe("CLAIM_SUPERSEDED");
    // And the current claim's token, which the row in hand does not know of, is accepted.
    expect((await tm.completeTask({ taskId: id, agentId: "a", claimToken: again?.claim_token })).status).toBe("completed");
  });

  it("releases a dependent only when the last of its dependencies completes, however many complete together", async () => {
    const { tm, workflow } = openWorkflow();
    const deps = await Promise.all([1, 2, 3, 4].map(() => tm.createTask({ type: "step" })));
    const last = await tm.createTask({ type: "last", dependsOn: deps });
    const claims = await Promise.all(deps.map((_, index) => tm.getNextTask({ agentId: `s${index}`, taskTypes: ["step"] })));
    expect(new Set(claims.map((task) => task?.id))).toEqual(new Set(deps));
    // Three completions asked for at once: written together, each counting the dependent down once.
    await Promise.all(claims.slice(0, 3).map((task, index) => tm.completeTask({ taskId: task?.id ?? "", agentId: `s${index}`, claimToken: task?.claim_token })));
    expect((await rowOf(workflow, last)).unmet_deps).toBe(1);
    expect(await tm.getNextTask({ agentId: "z" })).toBeNull();
    await tm.completeTask({ taskId: claims[3]?.id ?? "", agentId: "s3", claimToken: claims[3]?.claim_token });
    expect((await rowOf(workflow, last)).unmet_deps).toBe(0);
    expect((await tm.getNextTask({ agentId: "z" }))?.id).toBe(last);
  });

  it("records a heartbeat and then the completion from the row in hand, each in the history once", async () => {
    const { tm, workflow } = openWorkflow();
    const id = await tm.createTask({ type: "job" });
    const task = await tm.getNextTask({ agentId: "a", leaseSeconds: 60 });
    await tm.heartbeatTask({ taskId: id, agentId: "a", claimToken: task?.claim_token });
    const row = await rowOf(workflow, id);
    // The claim is folded into the body by the first write.
    expect(row.claim_agent).toBeNull();
    expect(row.version).toBe(2);
    await tm.completeTask({ taskId: id, agentId: "a", claimToken: task?.claim_token, resultData: { ok: true } });
    const done = await tm.getTask(id);
    expect(done?.status).toBe("completed");
    expect(done?.result).toEqual({ ok: true });
    expect(done?.history?.map((entry) => entry.event)).toEqual(["created", "claimed", "heartbeat", "completed"]);
  });
});
