/**
 * get_next_task's wait_seconds (0 to 50) and lease_seconds, and heartbeat_task's
 * lease_seconds (more than 0, at most 30 days), through the built server: a value out of
 * range is refused with INVALID_INPUT naming the argument and its range, never clamped,
 * and nothing on disk changes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, refusal, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { locksLetGo, snapshotTree } from "../helpers/temp-dir.js";

let stateDir: string;
let server: RunningServer;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "tm-mcp-ranges-"));
  server = await startServer({ stateDir, clientName: "alice" });
});
afterAll(async () => {
  await server?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe("wait_seconds and lease_seconds out of range", () => {
  it("are refused with INVALID_INPUT naming them and their range, and claim or renew nothing", async () => {
    const { task } = ok<{ task: { id: string } }>(await server.call("create_task", { workflow: "w", task_type: "t" }));
    await locksLetGo(stateDir);
    const before = await snapshotTree(stateDir);

    // A task is ready, so a clamped wait would claim it at once: a refusal must leave it pending.
    for (const wait_seconds of [-1, 50.5, 51, 1e9]) {
      const text = refusal(await server.call("get_next_task", { workflow: "w", wait_seconds }), "INVALID_INPUT");
      expect(text, String(wait_seconds)).toMatch(/wait_seconds: must be from 0 to 50 seconds/);
    }
    for (const lease_seconds of [0, -5, 2_592_001]) {
      const text = refusal(await server.call("get_next_task", { workflow: "w", lease_seconds }), "INVALID_INPUT");
      expect(text, String(lease_seconds)).toMatch(/lease_seconds: must be more than 0 and at most 2592000 seconds \(30 days\)/);
    }
    await locksLetGo(stateDir);
    expect(await snapshotTree(stateDir)).toEqual(before);

    const claimed = ok<{ task: { id: string; lease_seconds: number } }>(await server.call("get_next_task", { workflow: "w", wait_seconds: 50, lease_seconds: 2_592_000 }));
    expect(claimed.task).toMatchObject({ id: task.id, lease_seconds: 2_592_000 });
    await locksLetGo(stateDir);
    const held = await snapshotTree(stateDir);
    for (const lease_seconds of [0, 2_592_001]) {
      const text = refusal(await server.call("heartbeat_task", { workflow: "w", task_id: task.id, lease_seconds }), "INVALID_INPUT");
      expect(text, String(lease_seconds)).toMatch(/lease_seconds: must be more than 0 and at most 2592000 seconds/);
    }
    await locksLetGo(stateDir);
    expect(await snapshotTree(stateDir)).toEqual(held);
    ok(await server.call("heartbeat_task", { workflow: "w", task_id: task.id, lease_seconds: 60 }));
  });
});
