/**
 * get_next_task with wait_seconds, end to end: real server processes over stdio, one
 * waiting while another (a second client) creates work. Bounds are generous ("well
 * before the wait ends"), never measurements; `npm run bench` measures.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CallToolResultSchema, type CallToolResult, type Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { EventLog } from "../helpers/events.js";
import { cliPath, ok, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
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
    expect(ok<TaskResult>(await planner.call("get_task", { task_id: created?.id })).task).toMatchObject({ status: "pending" });
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

  it("answers a waiting call with task null at once when the server is stopped, and exits", async () => {
    const { client, stop, exited } = await startStoppable();
    const started = Date.now();
    // The first progress notification says it is waiting: then stop the server.
    const waiting = client.callTool({ name: "get_next_task", arguments: { wait_seconds: WAIT_SECONDS } }, CallToolResultSchema, { onprogress: stop });
    expect(ok<TaskResult>((await waiting) as CallToolResult).task).toBeNull();
    await exited;
    expect(Date.now() - started).toBeLessThan(WELL_BEFORE_MS);
  });

  it("exits when stopped after a wait was cancelled, though a cancelled request is never answered", async () => {
    const { client, stop, exited } = await startStoppable();
    const controller = new AbortController();
    const waiting = client.callTool({ name: "get_next_task", arguments: { wait_seconds: WAIT_SECONDS } }, CallToolResultSchema, {
      signal: controller.signal,
      onprogress: () => controller.abort(),
    });
    await expect(waiting).rejects.toThrow();
    ok((await client.callTool({ name: "summary", arguments: {} })) as CallToolResult); // the cancellation has been read by now
    const started = Date.now();
    stop();
    await exited;
    expect(Date.now() - started).toBeLessThan(WELL_BEFORE_MS);
  });
});

/** A server of our own, to stop with SIGTERM; `exited` resolves when its process has gone. */
async function startStoppable() {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cliPath, "--state-dir", await tempDir()], stderr: "pipe" });
  const client = new Client({ name: "worker", version: "1.0.0" });
  await client.connect(transport);
  const exited = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  let stopped = false;
  const stop = (): void => {
    if (stopped || transport.pid === null) return;
    stopped = true;
    process.kill(transport.pid, "SIGTERM");
  };
  running.push({ client, stderr: () => "", call: () => Promise.reject(new Error("unused")), close: () => client.close() });
  return { client, stop, exited };
}
