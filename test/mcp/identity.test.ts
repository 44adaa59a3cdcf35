/**
 * Who holds a task: the MCP client's name (or a configured agent id), never a tool
 * argument; and only the holder, with the claim's own token, may finish it: two windows
 * of one client share a name, and each server passes the tokens of the claims it made.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ok, refusal, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp-dir.js";

type One = { task: { id: string; status: string; locked_by: string | null; attempts: number; lease_expires_at?: string | null } };
type Claim = { task: (One["task"] & { claim_token: string }) | null };

const running: RunningServer[] = [];
async function connect(stateDir: string, clientName: string, extra: { env?: Record<string, string>; args?: string[] } = {}) {
  const server = await startServer({ stateDir, clientName, ...extra });
  running.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe("identity", () => {
  it("claims under the client's name, and another client can neither complete nor release that claim", async () => {
    const stateDir = await tempDir();
    const alice = await connect(stateDir, "alice");
    const bob = await connect(stateDir, "bob");
    const created = ok<One>(await alice.call("create_task", { task_type: "a" })).task;

    expect(ok<One>(await alice.call("get_next_task")).task).toMatchObject({ id: created.id, locked_by: "alice" });
    expect(refusal(await bob.call("complete_task", { task_id: created.id }), "NOT_CLAIM_HOLDER")).toContain('"alice"');
    refusal(await bob.call("release_task", { task_id: created.id }), "NOT_CLAIM_HOLDER");
    expect(ok<One>(await bob.call("get_task", { task_id: created.id })).task).toMatchObject({ status: "in_progress", locked_by: "alice" });

    expect(ok<One>(await alice.call("complete_task", { task_id: created.id })).task.status).toBe("completed");
  });

  it("ignores an agent id passed as a tool argument", async () => {
    const stateDir = await tempDir();
    const alice = await connect(stateDir, "alice");
    ok<One>(await alice.call("create_task", { task_type: "a" }));
    // Unknown arguments are dropped by the input schema: the identity stays the client's.
    const claimed = await alice.call("get_next_task", { agent_id: "mallory", agentId: "mallory" });
    expect(ok<One>(claimed).task.locked_by).toBe("alice");
  });

  it("makes a client name with spaces or odd characters a safe agent id", async () => {
    const stateDir = await tempDir();
    const client = await connect(stateDir, "  Claude Desktop/1.0 \u0007 ");
    ok<One>(await client.call("create_task", { task_type: "a" }));
    expect(ok<One>(await client.call("get_next_task")).task.locked_by).toBe("Claude-Desktop-1.0");
  });

  it("uses TASK_MANAGER_AGENT_ID, and --agent-id over it, instead of the client's name", async () => {
    const stateDir = await tempDir();
    const byEnv = await connect(stateDir, "client-name", { env: { TASK_MANAGER_AGENT_ID: "worker-env" } });
    const byFlag = await connect(stateDir, "client-name", { env: { TASK_MANAGER_AGENT_ID: "worker-env" }, args: ["--agent-id", "worker-flag"] });
    ok<One>(await byEnv.call("create_task", { task_type: "a" }));
    ok<One>(await byEnv.call("create_task", { task_type: "a" }));
    expect(ok<One>(await byEnv.call("get_next_task")).task.locked_by).toBe("worker-env");
    expect(ok<One>(await byFlag.call("get_next_task")).task.locked_by).toBe("worker-flag");
  });

  it("fences an expired claim: two clients sharing a name cannot complete each other's superseded claim", async () => {
    const stateDir = await tempDir();
    // A claim expires after 0.0002 h (0.72 s); the second window then takes the task over.
    const args = ["--task-timeout-hours", "0.0002"];
    const first = await connect(stateDir, "claude-code", { args });
    const second = await connect(stateDir, "claude-code", { args });
    const created = ok<One>(await first.call("create_task", { task_type: "a" })).task;
    expect(ok<One>(await first.call("get_next_task")).task.attempts).toBe(1);

    let retaken: One["task"] | null = null;
    for (let tries = 0; tries < 100 && retaken === null; tries++) {
      retaken = ok<{ task: One["task"] | null }>(await second.call("get_next_task")).task;
      if (retaken === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(retaken).toMatchObject({ id: created.id, locked_by: "claude-code", attempts: 2 });

    // Same name, so only the claim's token tells the claims apart.
    refusal(await first.call("complete_task", { task_id: created.id, result_data: { stale: true } }), "CLAIM_SUPERSEDED");
    // Refused again, not let through on the shared name.
    refusal(await first.call("release_task", { task_id: created.id }), "CLAIM_SUPERSEDED");
    const done = ok<One & { task: { result?: unknown } }>(await second.call("complete_task", { task_id: created.id, result_data: { fresh: true } }));
    expect(done.task).toMatchObject({ status: "completed", result: { fresh: true } });
  });

  it("refuses a window of the same name that never claimed the task, for complete, release and heartbeat", async () => {
    const stateDir = await tempDir();
    const a = await connect(stateDir, "claude-code");
    const b = await connect(stateDir, "claude-code");
    const created = ok<One>(await b.call("create_task", { task_type: "a" })).task;
    const held = ok<Claim>(await b.call("get_next_task", { lease_seconds: 600 })).task;
    expect(held).toMatchObject({ id: created.id, locked_by: "claude-code" });

    refusal(await a.call("complete_task", { task_id: created.id, result_data: { by: "a" } }), "NOT_CLAIM_HOLDER");
    refusal(await a.call("release_task", { task_id: created.id }), "NOT_CLAIM_HOLDER");
    // A heartbeat with a 1 s lease would let the lease run out and A take the task: refused too.
    refusal(await a.call("heartbeat_task", { task_id: created.id, lease_seconds: 1 }), "NOT_CLAIM_HOLDER");
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(ok<Claim>(await a.call("get_next_task")).task).toBeNull();

    const still = ok<One>(await a.call("get_task", { task_id: created.id })).task;
    expect(still).toMatchObject({ status: "in_progress", locked_by: "claude-code", lease_expires_at: held?.lease_expires_at });
    const done = ok<One & { task: { result?: unknown } }>(await b.call("complete_task", { task_id: created.id, result_data: { by: "b" } }));
    expect(done.task).toMatchObject({ status: "completed", result: { by: "b" } });
  });

  it("refuses a restarted server's completion of a claim that was taken over, and keeps the new holder's", async () => {
    const stateDir = await tempDir();
    let a = await connect(stateDir, "claude-code");
    const b = await connect(stateDir, "claude-code");
    const created = ok<One>(await a.call("create_task", { task_type: "a" })).task;
    const old = ok<Claim>(await a.call("get_next_task", { lease_seconds: 1 })).task;
    expect(old?.claim_token).toMatch(/^1\./);

    let retaken: Claim["task"] = null;
    for (let tries = 0; tries < 100 && retaken === null; tries++) {
      retaken = ok<Claim>(await b.call("get_next_task", { lease_seconds: 600 })).task;
      if (retaken === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(retaken).toMatchObject({ id: created.id, attempts: 2 });

    // A's window restarts its server: the new one made no claims.
    await a.close();
    a = await connect(stateDir, "claude-code");
    refusal(await a.call("complete_task", { task_id: created.id, result_data: { stale: true } }), "NOT_CLAIM_HOLDER");
    refusal(await a.call("complete_task", { task_id: created.id, result_data: { stale: true }, claim_token: old?.claim_token }), "CLAIM_SUPERSEDED");
    refusal(await a.call("release_task", { task_id: created.id, claim_token: old?.claim_token }), "CLAIM_SUPERSEDED");

    const done = ok<One & { task: { result?: unknown } }>(await b.call("complete_task", { task_id: created.id, result_data: { fresh: true } }));
    expect(done.task).toMatchObject({ status: "completed", result: { fresh: true } });
  });

  it("lets a restarted server finish its still-live claim with the claim_token its claim returned", async () => {
    const stateDir = await tempDir();
    let a = await connect(stateDir, "claude-code");
    const created = ok<One>(await a.call("create_task", { task_type: "a" })).task;
    const claimed = await a.call("get_next_task", { lease_seconds: 600 });
    const token = ok<Claim>(claimed).task?.claim_token ?? "";
    expect(textOf(claimed)).toContain(`claim_token=${token}`);

    await a.close();
    a = await connect(stateDir, "claude-code");
    refusal(await a.call("heartbeat_task", { task_id: created.id }), "NOT_CLAIM_HOLDER");
    expect(ok<{ task_id: string }>(await a.call("heartbeat_task", { task_id: created.id, claim_token: token })).task_id).toBe(created.id);
    const done = ok<One & { task: { result?: unknown } }>(await a.call("complete_task", { task_id: created.id, result_data: { ok: 1 }, claim_token: token }));
    expect(done.task).toMatchObject({ status: "completed", result: { ok: 1 } });
  });
});
