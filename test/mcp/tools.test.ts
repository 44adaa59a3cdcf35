/**
 * Every tool through the built server and the real MCP client: what it returns, and
 * how it refuses (isError with a code), changing nothing when it refuses.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, refusal, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { snapshotTree } from "../helpers/temp-dir.js";

interface TaskShape {
  id: string;
  type: string;
  status: string;
  parent_id: string | null;
  locked_by: string | null;
  locked_at: string | null;
  completed_at: string | null;
  data: Record<string, unknown>;
  result?: Record<string, unknown>;
  attempts: number;
}
type One = { task: TaskShape };
type Many = { tasks: TaskShape[] };

let stateDir: string;
let server: RunningServer;
let workflowCount = 0;
/** A fresh workflow per test keeps the tests independent on one server. */
const freshWorkflow = (): string => `wf-${++workflowCount}`;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "tm-mcp-tools-"));
  server = await startServer({ stateDir, clientName: "alice" });
});

afterAll(async () => {
  await server?.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function create(workflow: string, task_type: string, extra: Record<string, unknown> = {}): Promise<TaskShape> {
  return ok<One>(await server.call("create_task", { workflow, task_type, ...extra })).task;
}

describe("create_task", () => {
  it("creates a pending task with the state file's fields but a claim's, and renders it compactly", async () => {
    const workflow = freshWorkflow();
    const result = await server.call("create_task", { workflow, task_type: "analyze", data: { file: "data.csv" } });
    const { task } = ok<One>(result);
    expect(task).toMatchObject({
      type: "analyze",
      status: "pending",
      parent_id: null,
      completed_at: null,
      data: { file: "data.csv" },
      attempts: 0,
    });
    expect(task).not.toHaveProperty("locked_by");
    expect(task.id).toMatch(/^analyze_[0-9a-f]{8}$/);
    expect(textOf(result)).toContain(task.id);
    expect(textOf(result).length).toBeLessThan(200);
  });

  it("uses the default workflow when none is given", async () => {
    const task = ok<One>(await server.call("create_task", { task_type: "plain" })).task;
    expect(ok<One>(await server.call("get_task", { workflow: "default", task_id: task.id })).task.id).toBe(task.id);
    expect(await readdir(stateDir)).toContain("default.json");
  });

  it("makes a child task with parent_id", async () => {
    const workflow = freshWorkflow();
    const parent = await create(workflow, "plan");
    const child = await create(workflow, "step", { parent_id: parent.id });
    expect(child.parent_id).toBe(parent.id);
  });

  it("refuses an unknown parent, a bad task type, a bad workflow name and wrong argument types, changing nothing", async () => {
    const workflow = freshWorkflow();
    await create(workflow, "seed");
    const before = await snapshotTree(stateDir);
    expect(refusal(await server.call("create_task", { workflow, task_type: "step", parent_id: "nope_00000000" }), "TASK_NOT_FOUND")).toContain("nope_00000000");
    expect(refusal(await server.call("create_task", { workflow, task_type: "has space" }), "INVALID_INPUT")).toContain("type");
    expect(refusal(await server.call("create_task", { workflow: "../escape", task_type: "x" }), "INVALID_INPUT")).toContain("workflow name");
    // Argument shapes are checked by the SDK against the input schema: still a tool error naming the field.
    expect(refusal(await server.call("create_task", { workflow }), "task_type")).toMatch(/invalid/i);
    expect(refusal(await server.call("create_task", { workflow, task_type: "x", data: [1, 2] }), "data")).toMatch(/invalid/i);
    expect(refusal(await server.call("create_task", { workflow, task_type: "x", data: "text" }), "data")).toMatch(/invalid/i);
    expect(await snapshotTree(stateDir)).toEqual(before);
  });
});

describe("get_next_task", () => {
  it("claims the oldest pending task for the calling client, and returns task null when none is left", async () => {
    const workflow = freshWorkflow();
    const first = await create(workflow, "a");
    await create(workflow, "a");
    const result = await server.call("get_next_task", { workflow });
    const { task } = ok<One>(result);
    expect(task).toMatchObject({ id: first.id, status: "in_progress", locked_by: "alice", attempts: 1 });
    expect(task.locked_at).not.toBeNull();
    expect(textOf(result)).toContain("claimed");
    ok<One>(await server.call("get_next_task", { workflow }));
    const none = await server.call("get_next_task", { workflow });
    expect(ok<{ task: null }>(none).task).toBeNull();
    expect(textOf(none)).toContain("no pending task");
  });

  it("takes only the given task types", async () => {
    const workflow = freshWorkflow();
    await create(workflow, "analyze");
    const report = await create(workflow, "report");
    expect(ok<One>(await server.call("get_next_task", { workflow, task_types: ["report"] })).task.id).toBe(report.id);
    expect(ok<{ task: null }>(await server.call("get_next_task", { workflow, task_types: ["report"] })).task).toBeNull();
  });

  it("refuses task_types that are not a list of valid types", async () => {
    const workflow = freshWorkflow();
    await create(workflow, "a");
    refusal(await server.call("get_next_task", { workflow, task_types: "a" }), "task_types");
    refusal(await server.call("get_next_task", { workflow, task_types: ["no/slash"] }), "INVALID_INPUT");
    expect(ok<Many>(await server.call("list_tasks", { workflow, status: "pending" })).tasks).toHaveLength(1);
  });
});

describe("complete_task", () => {
  it("completes a claimed task with result_data, by default as completed", async () => {
    const workflow = freshWorkflow();
    const created = await create(workflow, "a");
    ok<One>(await server.call("get_next_task", { workflow }));
    const { task } = ok<One>(await server.call("complete_task", { workflow, task_id: created.id, result_data: { out: "x.json" } }));
    expect(task).toMatchObject({ id: created.id, status: "completed", result: { out: "x.json" } });
    expect(task).not.toHaveProperty("locked_by");
    expect(task.completed_at).not.toBeNull();
  });

  it("finishes a task as failed or cancelled", async () => {
    const workflow = freshWorkflow();
    for (const status of ["failed", "cancelled"]) {
      const created = await create(workflow, "a");
      ok<One>(await server.call("get_next_task", { workflow }));
      expect(ok<One>(await server.call("complete_task", { workflow, task_id: created.id, status })).task.status).toBe(status);
    }
  });

  it("with claim_next, finishes the task and claims the next one in the same call, which complete_task then finishes", async () => {
    const workflow = freshWorkflow();
    const first = await create(workflow, "a");
    const second = await create(workflow, "a");
    ok<One>(await server.call("get_next_task", { workflow }));
    const handed = await server.call("complete_task", { workflow, task_id: first.id, claim_next: true });
    const { task, next } = ok<{ task: TaskShape; next: TaskShape & { claim_token: string } }>(handed);
    expect(task).toMatchObject({ id: first.id, status: "completed" });
    expect(next).toMatchObject({ id: second.id, status: "in_progress", claim_token: expect.any(String) });
    expect(textOf(handed)).toContain(`claimed ${second.id}`);
    // The server keeps the new claim's token, as after get_next_task: complete_task needs none.
    const last = await server.call("complete_task", { workflow, task_id: second.id, claim_next: true });
    expect(ok<{ task: TaskShape; next: null }>(last)).toMatchObject({ task: { id: second.id, status: "completed" }, next: null });
    expect(textOf(last)).toContain("no next task is ready");
  });

  it("refuses unknown, unclaimed and already finished tasks, and a status that is not final", async () => {
    const workflow = freshWorkflow();
    const pending = await create(workflow, "a");
    refusal(await server.call("complete_task", { workflow, task_id: "a_00000000" }), "TASK_NOT_FOUND");
    refusal(await server.call("complete_task", { workflow, task_id: pending.id }), "TASK_NOT_IN_PROGRESS");
    ok<One>(await server.call("get_next_task", { workflow }));
    refusal(await server.call("complete_task", { workflow, task_id: pending.id, status: "done" }), "status");
    refusal(await server.call("complete_task", { workflow, task_id: pending.id, status: "pending" }), "status");
    ok<One>(await server.call("complete_task", { workflow, task_id: pending.id }));
    const before = await snapshotTree(stateDir);
    refusal(await server.call("complete_task", { workflow, task_id: pending.id }), "TASK_NOT_IN_PROGRESS");
    expect(await snapshotTree(stateDir)).toEqual(before);
  });
});

describe("release_task", () => {
  it("puts a claimed task back to pending so it can be claimed again", async () => {
    const workflow = freshWorkflow();
    const created = await create(workflow, "a");
    ok<One>(await server.call("get_next_task", { workflow }));
    const { task } = ok<One>(await server.call("release_task", { workflow, task_id: created.id }));
    expect(task).toMatchObject({ id: created.id, status: "pending" });
    expect(task).not.toHaveProperty("locked_by");
    expect(task).not.toHaveProperty("locked_at");
    expect(ok<One>(await server.call("get_next_task", { workflow })).task).toMatchObject({ id: created.id, attempts: 2 });
  });

  it("refuses unknown and unclaimed tasks and a missing task_id", async () => {
    const workflow = freshWorkflow();
    const pending = await create(workflow, "a");
    refusal(await server.call("release_task", { workflow, task_id: "a_00000000" }), "TASK_NOT_FOUND");
    refusal(await server.call("release_task", { workflow, task_id: pending.id }), "TASK_NOT_IN_PROGRESS");
    refusal(await server.call("release_task", { workflow }), "task_id");
  });
});

describe("get_task and get_task_children", () => {
  it("reads a task and its children", async () => {
    const workflow = freshWorkflow();
    const parent = await create(workflow, "plan", { data: { goal: "g" } });
    const one = await create(workflow, "step", { parent_id: parent.id });
    const two = await create(workflow, "step", { parent_id: parent.id });
    await create(workflow, "other");
    expect(ok<One>(await server.call("get_task", { workflow, task_id: parent.id })).task).toMatchObject({ id: parent.id, data: { goal: "g" } });
    const children = ok<Many>(await server.call("get_task_children", { workflow, task_id: parent.id })).tasks;
    expect(children.map((task) => task.id)).toEqual([one.id, two.id]);
    const none = await server.call("get_task_children", { workflow, task_id: one.id });
    expect(ok<Many>(none).tasks).toEqual([]);
    expect(textOf(none)).toContain("no children");
  });

  it("refuses an unknown id with TASK_NOT_FOUND and a wrong-typed id as a tool error", async () => {
    const workflow = freshWorkflow();
    expect(refusal(await server.call("get_task", { workflow, task_id: "x_12345678" }), "TASK_NOT_FOUND")).toContain("x_12345678");
    refusal(await server.call("get_task_children", { workflow, task_id: "x_12345678" }), "TASK_NOT_FOUND");
    refusal(await server.call("get_task", { workflow, task_id: 42 }), "task_id");
    refusal(await server.call("get_task", { workflow, task_id: "" }), "INVALID_INPUT");
  });
});

describe("list_tasks", () => {
  it("pages through the tasks with limit and next_cursor, in creation order", async () => {
    const workflow = freshWorkflow();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(workflow, "a", { data: { i } })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = ok<Many & { next_cursor: string | null }>(await server.call("list_tasks", { workflow, limit: 2, ...(cursor && { cursor }) }));
      expect(page.tasks.length).toBeLessThanOrEqual(2);
      seen.push(...page.tasks.map((task) => task.id));
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
  });

  it("filters by status, task_type and parent_id", async () => {
    const workflow = freshWorkflow();
    const parent = await create(workflow, "plan");
    const child = await create(workflow, "step", { parent_id: parent.id });
    ok<One>(await server.call("get_next_task", { workflow, task_types: ["plan"] }));
    const ids = async (args: Record<string, unknown>) => ok<Many>(await server.call("list_tasks", { workflow, ...args })).tasks.map((task) => task.id);
    expect(await ids({ status: "in_progress" })).toEqual([parent.id]);
    expect(await ids({ task_type: "step" })).toEqual([child.id]);
    expect(await ids({ parent_id: parent.id })).toEqual([child.id]);
    expect(await ids({ status: "completed" })).toEqual([]);
  });

  it("refuses a limit out of range, an unknown status and a foreign cursor", async () => {
    const workflow = freshWorkflow();
    await create(workflow, "a");
    refusal(await server.call("list_tasks", { workflow, limit: 0 }), "INVALID_INPUT");
    refusal(await server.call("list_tasks", { workflow, limit: 100_000 }), "INVALID_INPUT");
    refusal(await server.call("list_tasks", { workflow, status: "stuck" }), "status");
    refusal(await server.call("list_tasks", { workflow, cursor: "not-a-cursor" }), "INVALID_INPUT");
  });
});

describe("summary", () => {
  it("counts tasks by status and type", async () => {
    const workflow = freshWorkflow();
    await create(workflow, "a");
    await create(workflow, "a");
    await create(workflow, "b");
    ok<One>(await server.call("get_next_task", { workflow, task_types: ["b"] }));
    const result = await server.call("summary", { workflow });
    expect(ok(result)).toMatchObject({
      workflow,
      total_tasks: 3,
      status_counts: { pending: 2, in_progress: 1, completed: 0, failed: 0, cancelled: 0 },
      type_counts: { a: 2, b: 1 },
    });
    expect(textOf(result)).toContain("3 tasks");
  });

  it("gives zero counts for a workflow that has no file yet, and refuses a bad name", async () => {
    expect(ok(await server.call("summary", { workflow: freshWorkflow() }))).toMatchObject({ total_tasks: 0 });
    refusal(await server.call("summary", { workflow: "a/b" }), "INVALID_INPUT");
  });
});

describe("update_workflow_metadata", () => {
  it("merges fields into the metadata and returns all of it", async () => {
    const workflow = freshWorkflow();
    ok(await server.call("update_workflow_metadata", { workflow, metadata: { goal: "ship", version: "1" } }));
    const { metadata } = ok<{ metadata: Record<string, unknown> }>(await server.call("update_workflow_metadata", { workflow, metadata: { version: "2" } }));
    expect(metadata).toMatchObject({ goal: "ship", version: "2" });
    expect(metadata["initialized_at"]).toEqual(expect.any(String));
  });

  it("refuses metadata that is not an object", async () => {
    const workflow = freshWorkflow();
    refusal(await server.call("update_workflow_metadata", { workflow, metadata: "x" }), "metadata");
    refusal(await server.call("update_workflow_metadata", { workflow }), "metadata");
    expect(await readdir(stateDir)).not.toContain(`${workflow}.json`);
  });
});

describe("list_workflows", () => {
  it("lists each workflow file with its uri and counts", async () => {
    const a = freshWorkflow();
    const b = freshWorkflow();
    await create(a, "x");
    await create(b, "x");
    await create(b, "y");
    const { workflows } = ok<{ workflows: Array<{ name: string; uri: string; total_tasks: number; status_counts: Record<string, number> }> }>(
      await server.call("list_workflows"),
    );
    expect(workflows.find((w) => w.name === a)).toMatchObject({ uri: `workflow://${a}`, total_tasks: 1, status_counts: { pending: 1 } });
    expect(workflows.find((w) => w.name === b)).toMatchObject({ uri: `workflow://${b}`, total_tasks: 2 });
  });
});

describe("the tool list", () => {
  it("has every tool with a title, a description, schemas and annotations, all under 16,000 characters", async () => {
    const listing = await server.client.listTools();
    expect(JSON.stringify(listing).length).toBeLessThan(16_000);
    // What a model reads of it, in every conversation: names, descriptions and input schemas.
    const read = listing.tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
    expect(JSON.stringify(read).length).toBeLessThan(8_000);
    expect(JSON.stringify(listing)).not.toContain("$schema"); // the SDK's draft-07 line: 52 characters, twice per tool
    const names = listing.tools.map((tool) => tool.name).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        "complete_task",
        "create_task",
        "get_next_task",
        "get_task",
        "get_task_children",
        "list_tasks",
        "list_workflows",
        "release_paths",
        "release_task",
        "reserve_paths",
        "summary",
        "update_workflow_metadata",
      ]),
    );
    for (const tool of listing.tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description?.length, tool.name).toBeGreaterThan(30);
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.annotations?.openWorldHint, tool.name).toBe(false);
      expect(JSON.stringify(tool.inputSchema), tool.name).not.toContain("agent");
    }
    const annotations = Object.fromEntries(listing.tools.map((tool) => [tool.name, tool.annotations]));
    for (const read of ["get_task", "get_task_children", "list_tasks", "summary", "list_workflows"]) {
      expect(annotations[read]?.readOnlyHint, read).toBe(true);
    }
    for (const write of ["create_task", "get_next_task", "complete_task", "release_task", "reserve_paths", "release_paths"]) {
      expect(annotations[write], write).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    }
    expect(annotations["update_workflow_metadata"]).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
  });
});
