/**
 * get_next_task with wait_seconds, end to end: real server processes over stdio, one
 * waiting while another (a second client) creates work. Bounds are generous ("well
 * before the wait ends"), never measurements; `npm run bench` measures.
 */
import { CallToolResultSchema, type CallToolResult, type Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { EventLog } from "../helpers/events.js";
import { ok, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp-dir.js";

const running: RunningServer[] = [];
async function connect(stateDir: string, clientName: string): Promise<RunningServer> {
  const server = await startServer({ stateDir, clientName });
  running.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

const WAIT_SECONDS = 40;
/** Well before the wait ends: woken by the change, not by the end of the wait. */
const WELL_BEFORE_MS = (WAIT_SECONDS * 1000) / 2;

interface TaskResult {
  task: { id: string; type: string; locked_by: string | null; status: string } | null;
}

describe("get_next_task with wait_seconds", () => {
  it("wakes a waiting client when another server's client creates a matching task", async () => {
    const stateDir = await tempDir();
    const worker = await connect(stateDir, "worker");
    const planner = await connect(stateDir, "planner");
    const started = Date.now();
    const waiting = worker.call("get_next_task", { workflow: "jobs", task_types: ["build"], wait_seconds: WAIT_SECONDS });

    ok(await planner.call("create_task", { workflow: "jobs", task_type: "docs" })); // not a type it waits for
    const created = ok<TaskResult>(await planner.call("create_task", { workflow: "jobs", task_type: "build", data: { n: 1 } })).task;

    const claimed = ok<TaskResult>(await waiting).task;
    expect(Date.now() - started).toBeLessThan(WELL_BEFORE_MS);
    expect(claimed).toMatchObject({ id: created?.id, type: "build", locked_by: "worker", status: "in_progress" });
  });

  it("returns task null without an error when nothing comes in time", async () => {
    const worker = await connect(await tempDir(), "worker");
    const result = await worker.call("get_next_task", { wait_seconds: 1 });
    expect(ok<TaskResult>(result).task).toBeNull();
    expect(textOf(result)).toMatch(/no task became ready while waiting/);
  });

  it("stops waiting when the client cancels the request: a task created afterwards stays pending", async () => {
    const stateDir = await tempDir();
    const worker = await connect(stateDir, "worker");
    const planner = await connect(stateDir, "planner");
    const controller = new AbortController();
    const waiting = worker.client.callTool({ name: "get_next_task", arguments: { wait_seconds: WAIT_SECONDS } }, CallToolResultSchema, {
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the server start waiting
    controller.abort();
    await expect(waiting).rejects.toThrow();

    await new Promise((resolve) => setTimeout(resolve, 300)); // the cancellation reaches the server
    const created = ok<TaskResult>(await planner.call("create_task", { task_type: "t" })).task;
    // A wait still running would claim it within milliseconds; give it ample time to (wrongly) do so.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ok<TaskResult>(await planner.call("get_task", { task_id: created?.id })).task).toMatchObject({ status: "pending", locked_by: null });
    // And the worker's server still answers: the cancelled call left nothing stuck.
    expect(ok<TaskResult>(await worker.call("get_next_task", {})).task).toMatchObject({ id: created?.id, locked_by: "worker" });
  });

  it("sends progress notifications while waiting when the client gives a progress token", async () => {
    const worker = await connect(await tempDir(), "worker");
    const progress = new EventLog<Progress>();
    const result = (await worker.client.callTool({ name: "get_next_task", arguments: { wait_seconds: 1 } }, CallToolResultSchema, {
      onprogress: progress.push,
    })) as CallToolResult;
    expect(ok<TaskResult>(result).task).toBeNull();
    expect(progress.events.length).toBeGreaterThan(0);
    expect(progress.events[0]).toMatchObject({ progress: 0, total: 1 });
  });

  it("is what the worker prompt and the server's instructions tell agents to use instead of polling", async () => {
    const worker = await connect(await tempDir(), "worker");
    const prompt = await worker.client.getPrompt({ name: "worker", arguments: {} });
    const text = (prompt.messages[0]?.content as { text: string }).text;
    expect(text).toMatch(/`get_next_task` with workflow "default", `wait_seconds` 30/);
    expect(text).toContain("Do not poll");
    expect(worker.client.getInstructions()).toContain("wait_seconds");
  });
});
