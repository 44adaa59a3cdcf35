/**
 * Nesting over MCP, through the built server: data, result_data and metadata nested more
 * than 64 deep are refused with INVALID_INPUT naming them, 100,000 deep too (sent as raw
 * JSON-RPC: the SDK's client cannot stringify them), the server stays up and the state
 * directory is unchanged.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { depthOf, nested, nestedText } from "../helpers/deep-json.js";
import { ok, refusal, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { startRawServer, type RawServer } from "../helpers/raw-mcp.js";
import { locksLetGo, snapshotTree, tempDir } from "../helpers/temp-dir.js";

interface ShownTask {
  id: string;
  status: string;
  data: Record<string, unknown>;
}

function expectTooDeep(result: CallToolResult, field: string): void {
  const text = refusal(result, "INVALID_INPUT");
  expect(text.startsWith("INVALID_INPUT: "), text).toBe(true);
  expect(text).toContain(field);
  expect(text).toContain("64 levels");
}

let stateDir: string;
afterAll(async () => {
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe("data, results and metadata nested too deep, over MCP", () => {
  let server: RunningServer;
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "tm-mcp-deep-"));
    server = await startServer({ stateDir, clientName: "alice" });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("refuses them 65 deep naming the field, accepts 64, and changes nothing on disk when refusing", async () => {
    const workflow = "deep65";
    const held = ok<{ task: ShownTask }>(await server.call("create_task", { workflow, task_type: "t" })).task;
    ok(await server.call("get_next_task", { workflow }));
    await locksLetGo(stateDir);
    const before = await snapshotTree(stateDir);

    expectTooDeep(await server.call("create_task", { workflow, task_type: "t", data: nested(65) }), "data");
    const batch = await server.call("create_tasks", { workflow, tasks: [{ task_type: "a" }, { task_type: "b", data: nested(65, true) }] });
    expectTooDeep(batch, "data");
    expect(textOf(batch)).toContain("task 2");
    expectTooDeep(await server.call("complete_task", { workflow, task_id: held.id, result_data: nested(65) }), "resultData");
    expectTooDeep(await server.call("update_workflow_metadata", { workflow, metadata: { plan: nested(64) } }), "metadata");
    await locksLetGo(stateDir);
    expect(await snapshotTree(stateDir)).toEqual(before);

    const created = ok<{ task: ShownTask }>(await server.call("create_task", { workflow, task_type: "t", data: nested(64, true) })).task;
    expect(depthOf(created.data)).toBe(64);
    expect(ok<{ task: ShownTask }>(await server.call("complete_task", { workflow, task_id: held.id, result_data: nested(64) })).task.status).toBe("completed");
    expect(ok<{ metadata: Record<string, unknown> }>(await server.call("update_workflow_metadata", { workflow, metadata: { plan: nested(63) } })).metadata).toHaveProperty("plan");
  });
});

describe("data nested 100,000 deep, over MCP", () => {
  let raw: RawServer;
  let dir: string;
  afterEach(async () => {
    await raw?.close();
  });

  it("is refused with INVALID_INPUT naming the field, the server stays up, and nothing changes on disk", async () => {
    dir = await tempDir();
    raw = await startRawServer(dir);
    const created = await raw.callRaw("create_task", '{"workflow":"w","task_type":"t"}');
    const id = (created.structuredContent as { task: ShownTask }).task.id;
    expect((await raw.callRaw("get_next_task", '{"workflow":"w"}')).isError).toBeFalsy();
    await locksLetGo(dir);
    const before = await snapshotTree(dir);

    const deep = nestedText(100_000);
    expectTooDeep(await raw.callRaw("create_task", `{"workflow":"w","task_type":"t","data":${deep}}`), "data");
    expectTooDeep(await raw.callRaw("create_tasks", `{"workflow":"w","tasks":[{"task_type":"t","data":${deep}}]}`), "data");
    expectTooDeep(await raw.callRaw("complete_task", `{"workflow":"w","task_id":"${id}","result_data":${deep}}`), "resultData");
    expectTooDeep(await raw.callRaw("update_workflow_metadata", `{"workflow":"w","metadata":${deep}}`), "metadata");
    expect(raw.stderr()).not.toContain("RangeError");

    const summary = await raw.callRaw("summary", '{"workflow":"w"}');
    expect(summary.structuredContent).toMatchObject({ total_tasks: 1, status_counts: { in_progress: 1 } });
    await locksLetGo(dir);
    expect(await snapshotTree(dir)).toEqual(before);
    expect((await raw.callRaw("complete_task", `{"workflow":"w","task_id":"${id}","result_data":{"ok":true}}`)).isError).toBeFalsy();
  });
});
