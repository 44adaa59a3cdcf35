/**
 * Nesting over MCP, through the built server: data, result_data and metadata nested more
 * than 64 deep are refused with INVALID_INPUT naming them, 100,000 deep too (sent as raw
 * JSON-RPC: the SDK's client cannot stringify them), the server stays up and the state
 * directory is unchanged; and a server started on data nested 5,000 deep by hand answers
 * every call with a result or a coded refusal.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TaskManager } from "../../src/index.js";
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

  it("keeps a data field named __proto__ as the client sent it", async () => {
    const text = '{"workflow":"proto-data","task_type":"t","data":{"__proto__":{"polluted":true},"plain":1}}';
    const raw = await startRawServer(stateDir);
    try {
      const result = await raw.callRaw("create_task", text);
      expect(result.isError, textOf(result)).toBeFalsy();
      const { task } = result.structuredContent as { task: ShownTask };
      expect(Object.getOwnPropertyDescriptor(task.data, "__proto__")?.value).toEqual({ polluted: true });
    } finally {
      await raw.close();
    }
    const stored = JSON.parse(await readFile(join(stateDir, "proto-data.json"), "utf8")) as { tasks: Record<string, ShownTask> };
    const [task] = Object.values(stored.tasks);
    expect(Object.keys(task?.data ?? {})).toEqual(["__proto__", "plain"]);
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

describe("a server started on data nested 5,000 deep by hand", () => {
  let server: RunningServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  /** Every call ends in a result or a refusal with a code: never INTERNAL_ERROR, never a hang. */
  function expectCodedOrOk(result: CallToolResult, call: string): void {
    if (result.isError) expect(textOf(result), call).toMatch(/^[A-Z_]+: /);
    expect(textOf(result), call).not.toMatch(/INTERNAL_ERROR|RangeError|call stack/);
  }

  it("answers a JSON state file written by hand with results or coded refusals, and stays up", async () => {
    const dir = await tempDir();
    const tm = new TaskManager({ stateDir: dir, workflow: "wf" });
    const deepId = await tm.createTask({ type: "deep", data: { marker: "DEEP_HERE" } });
    const otherId = await tm.createTask({ type: "other" });
    await tm.close();
    const file = join(dir, "wf.json");
    await writeFile(file, (await readFile(file, "utf8")).replace('"DEEP_HERE"', nestedText(5_000)));
    server = await startServer({ stateDir: dir });
    for (const [name, args] of [
      ["summary", { workflow: "wf" }],
      ["list_tasks", { workflow: "wf", task_type: "other" }],
      ["get_task", { workflow: "wf", task_id: otherId }],
      ["get_task", { workflow: "wf", task_id: deepId }],
      ["get_next_task", { workflow: "wf", task_types: ["other"] }],
      ["complete_task", { workflow: "wf", task_id: otherId }],
      ["get_next_task", { workflow: "wf", task_types: ["deep"] }],
    ] as const) {
      expectCodedOrOk(await server.call(name, args), `${name} ${JSON.stringify(args)}`);
    }
    expect(server.stderr()).not.toContain("RangeError");
    ok(await server.call("summary", { workflow: "other-workflow" }));
  });

  it("reads the other tasks of a SQLite workflow, claims and completes them, and refuses only to send the deep one", async () => {
    const dir = await tempDir();
    const tm = new TaskManager({ store: "sqlite", stateDir: dir, workflow: "wf" });
    const deepId = await tm.createTask({ type: "deep", data: { marker: "DEEP_HERE" } });
    const otherId = await tm.createTask({ type: "other" });
    await tm.close();
    const db = new BetterSqlite3(join(dir, "tasks.sqlite"));
    db.prepare("UPDATE tasks SET body = replace(body, ?, ?)").run('"DEEP_HERE"', nestedText(5_000));
    db.close();

    server = await startServer({ stateDir: dir, args: ["--store", "sqlite"] });
    expect(ok(await server.call("summary", { workflow: "wf" }))).toMatchObject({ total_tasks: 2, type_counts: { deep: 1, other: 1 } });
    expect(ok<{ tasks: ShownTask[] }>(await server.call("list_tasks", { workflow: "wf", task_type: "other" })).tasks.map((task) => task.id)).toEqual([otherId]);
    expect(ok<{ task: ShownTask }>(await server.call("get_task", { workflow: "wf", task_id: otherId })).task.status).toBe("pending");
    expect(ok<{ task: ShownTask }>(await server.call("get_next_task", { workflow: "wf", task_types: ["other"] })).task.id).toBe(otherId);
    expect(ok<{ task: ShownTask }>(await server.call("complete_task", { workflow: "wf", task_id: otherId })).task.status).toBe("completed");
    expect(refusal(await server.call("get_task", { workflow: "wf", task_id: deepId }), "STATE_FILE_CORRUPT")).toContain("nested too deep");
    expect(ok(await server.call("summary", { workflow: "wf" }))).toMatchObject({ status_counts: { pending: 1, completed: 1 } });
    expect(server.stderr()).not.toContain("RangeError");
  });
});
