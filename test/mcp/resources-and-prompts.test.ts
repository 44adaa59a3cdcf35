/** Workflow resources and the Markdown prompts, listed and read through the real client. */
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { TaskManager, type StoreKind } from "../../src/index.js";
import { ok, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp-dir.js";

const running: RunningServer[] = [];
async function connect(stateDir: string, store: StoreKind = "json"): Promise<RunningServer> {
  const server = await startServer({ stateDir, clientName: "reader", args: ["--store", store] });
  running.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function rejection(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

describe("resources", () => {
  it.each(["json", "sqlite"] as const)("lists one workflow:// resource per workflow and reads its summary and tasks [%s]", async (store) => {
    const stateDir = await tempDir();
    const server = await connect(stateDir, store);
    expect((await server.client.listResources()).resources).toEqual([]);
    const task = ok<{ task: { id: string } }>(await server.call("create_task", { workflow: "alpha", task_type: "a", data: { n: 1 } })).task;
    ok(await server.call("create_task", { workflow: "beta", task_type: "b" }));

    const { resources } = await server.client.listResources();
    expect(resources.map((resource) => [resource.uri, resource.mimeType])).toEqual([
      ["workflow://alpha", "application/json"],
      ["workflow://beta", "application/json"],
    ]);

    const read = await server.client.readResource({ uri: "workflow://alpha" });
    const content = read.contents[0] as { uri: string; mimeType: string; text: string };
    expect(content).toMatchObject({ uri: "workflow://alpha", mimeType: "application/json" });
    const body = JSON.parse(content.text);
    expect(body).toMatchObject({ workflow: "alpha", store, summary: { total_tasks: 1 }, metadata: { initialized_at: expect.any(String) }, next_cursor: null });
    expect(body.tasks).toEqual([expect.objectContaining({ id: task.id, type: "a", status: "pending", data: { n: 1 } })]);
    expect(body).not.toHaveProperty("more");
  });

  it.each(["json", "sqlite"] as const)("reads a workflow bigger than a page as its first page and the cursor for the rest [%s]", async (store) => {
    const stateDir = await tempDir();
    const tm = new TaskManager({ store, stateDir, workflow: "big" });
    const created = await tm.createTasks(Array.from({ length: 120 }, (_, i) => ({ type: "item", data: { i } })));
    await tm.close();
    const server = await connect(stateDir, store);
    const content = (await server.client.readResource({ uri: "workflow://big" })).contents[0] as { text: string };
    const body = JSON.parse(content.text);
    expect(body.summary.total_tasks).toBe(120);
    expect(body.tasks.map((task: { id: string }) => task.id)).toEqual(created.slice(0, 50).map((task) => task.id));
    expect(body.tasks[0]).not.toHaveProperty("history");
    expect(body.more).toContain(body.next_cursor);
    const next = ok<{ tasks: { id: string }[] }>(await server.call("list_tasks", { workflow: "big", cursor: body.next_cursor, limit: 500 }));
    expect(next.tasks.map((task) => task.id)).toEqual(created.slice(50).map((task) => task.id));
  });

  it("reads one task at workflow://{workflow}/tasks/{task_id}", async () => {
    const server = await connect(await tempDir());
    const task = ok<{ task: { id: string } }>(await server.call("create_task", { workflow: "alpha", task_type: "a" })).task;
    const read = await server.client.readResource({ uri: `workflow://alpha/tasks/${task.id}` });
    const content = read.contents[0] as { text: string };
    expect(JSON.parse(content.text)).toMatchObject({ id: task.id, type: "a", status: "pending" });
  });

  it("writes both resources as compact JSON, without indentation or line breaks", async () => {
    const server = await connect(await tempDir());
    const data = { nested: { list: [1, 2, { deep: "x" }] }, text: "a b" };
    const task = ok<{ task: { id: string } }>(await server.call("create_task", { workflow: "alpha", task_type: "a", data })).task;
    for (const uri of ["workflow://alpha", `workflow://alpha/tasks/${task.id}`]) {
      const { text } = (await server.client.readResource({ uri })).contents[0] as { text: string };
      expect(text, uri).toBe(JSON.stringify(JSON.parse(text)));
      expect(text, uri).toContain('"data":{"nested":{"list":[1,2,{"deep":"x"}]},"text":"a b"}');
    }
  });

  it("offers both templates, and completes workflow names", async () => {
    const server = await connect(await tempDir());
    for (const workflow of ["deploy", "design", "review"]) ok(await server.call("create_task", { workflow, task_type: "a" }));
    const templates = (await server.client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
    expect(templates).toEqual(["workflow://{workflow}", "workflow://{workflow}/tasks/{task_id}"]);
    const completion = await server.client.complete({
      ref: { type: "ref/resource", uri: "workflow://{workflow}" },
      argument: { name: "workflow", value: "de" },
    });
    expect(completion.completion.values).toEqual(["deploy", "design"]);
  });

  it("answers an unknown workflow or task, or a bad name, with an error that says so", async () => {
    const server = await connect(await tempDir());
    ok(await server.call("create_task", { workflow: "alpha", task_type: "a" }));
    expect((await rejection(server.client.readResource({ uri: "workflow://missing" }))).message).toContain("missing");
    expect((await rejection(server.client.readResource({ uri: "workflow://alpha/tasks/a_00000000" }))).message).toContain("TASK_NOT_FOUND");
    expect((await rejection(server.client.readResource({ uri: "workflow://%2E%2E" }))).message).toContain("INVALID_INPUT");
    // The server is still serving.
    expect((await server.client.listResources()).resources).toHaveLength(1);
  });
});

describe("prompts", () => {
  it("lists the worker and planner prompts with their arguments", async () => {
    const server = await connect(await tempDir());
    const { prompts } = await server.client.listPrompts();
    const byName = Object.fromEntries(prompts.map((prompt) => [prompt.name, prompt]));
    expect(byName["worker"]?.description).toBeTruthy();
    expect(byName["worker"]?.arguments?.map((argument) => argument.name)).toEqual(["workflow", "task_types"]);
    expect(byName["planner"]?.arguments).toContainEqual(expect.objectContaining({ name: "goal", required: true }));
  });

  it("fills a prompt with its arguments, and falls back to defaults for those left out", async () => {
    const server = await connect(await tempDir());
    const worker = await server.client.getPrompt({ name: "worker", arguments: { workflow: "code-review", task_types: "review" } });
    const text = (worker.messages[0]?.content as { text: string }).text;
    expect(text).toContain('workflow "code-review"');
    expect(text).toContain("Task types to take: review");
    expect(text).toContain("get_next_task");
    expect(text).toContain("complete_task");
    expect(text).toContain("release_task");
    expect(text).not.toContain("{{");

    const planner = await server.client.getPrompt({ name: "planner", arguments: { goal: "Ship the release notes" } });
    const plan = (planner.messages[0]?.content as { text: string }).text;
    expect(plan).toContain("Ship the release notes");
    expect(plan).toContain('workflow "default"');
    expect(plan).toContain("parent_id");
  });

  it("refuses a prompt without its required argument, and completes workflow names for prompts", async () => {
    const server = await connect(await tempDir());
    ok(await server.call("create_task", { workflow: "ops", task_type: "a" }));
    expect((await rejection(server.client.getPrompt({ name: "planner", arguments: {} }))).message).toContain("goal");
    const completion = await server.client.complete({ ref: { type: "ref/prompt", name: "worker" }, argument: { name: "workflow", value: "o" } });
    expect(completion.completion.values).toEqual(["ops"]);
  });
});
