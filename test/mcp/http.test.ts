/**
 * MCP over Streamable HTTP (`--http`), end to end: the built server as a child process on
 * a free port, the SDK's own client transport, several sessions of one server sharing a
 * queue; raw requests for what a client would never send (foreign hosts, no token).
 */
import { readFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { CallToolResultSchema, LoggingMessageNotificationSchema, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema, type LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT } from "../../src/cli/serve-options.js";
import { MCP_PATH } from "../../src/mcp/http/http-server.js";
import { TaskManager } from "../../src/index.js";
import { acquireFileLock } from "../../src/store/json/file-lock.js";
import { EventLog } from "../helpers/events.js";
import { startHttpServer, stopHttpServers, type HttpClient } from "../helpers/http-server.js";
import { cliPath, ok, refusal, textOf } from "../helpers/mcp-client.js";
import { repoRoot } from "../helpers/paths.js";
import { SERVER_STORES } from "../helpers/server-stores.js";
import { runNode } from "../helpers/processes.js";
import { has, requirement } from "../helpers/requirements.js";
import { tempDir } from "../helpers/temp-dir.js";

afterEach(stopHttpServers);

interface Task {
  id: string;
  locked_by: string | null;
  status: string;
}

/** A raw HTTP request to the server, so headers a client would never send can be sent. */
function rawPost(url: URL, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: string; session: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, session: res.headers["mcp-session-id"] as string | undefined }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

interface SseEvent {
  id: string | undefined;
  data: string;
}

/** A GET stream of a session, its events parsed as they come; resolves with its status once the headers are in. */
function openStream(url: URL, headers: Record<string, string>): Promise<{ status: number; events: EventLog<SseEvent>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const events = new EventLog<SseEvent>();
    const req = request(url, { method: "GET", headers: { accept: "text/event-stream", ...headers } }, (res) => {
      let buffer = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const lines = buffer.slice(0, end).split("\n");
          buffer = buffer.slice(end + 2);
          const field = (name: string) => lines.find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1).trim();
          events.push({ id: field("id"), data: field("data") ?? "" });
        }
      });
      resolve({ status: res.statusCode ?? 0, events, close: () => req.destroy() });
    });
    req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
    req.end();
  });
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

async function drain(worker: HttpClient): Promise<Task[]> {
  const done: Task[] = [];
  for (;;) {
    const task = ok<{ task: Task | null }>(await worker.call("get_next_task", { workflow: "q" })).task;
    if (!task) return done;
    done.push(task);
    ok(await worker.call("complete_task", { workflow: "q", task_id: task.id }));
  }
}

describe.each(SERVER_STORES)("--http over the %s store", (store, storeArgs) => {
  const needs = store === "postgres" ? it.skipIf(!requirement(has("postgres"), "PostgreSQL on 127.0.0.1:5432")) : it;

  needs("lets two clients with different names drain one queue: each task once, locked_by each client's name", async () => {
    const server = await startHttpServer(await tempDir(), storeArgs());
    const [alice, bob] = await Promise.all([server.connect("alice"), server.connect("bob")]);
    const ids = ok<{ ids: string[] }>(await alice.call("create_tasks", { workflow: "q", tasks: Array.from({ length: 30 }, (_, n) => ({ task_type: "t", data: { n } })) })).ids;

    const [byAlice, byBob] = await Promise.all([drain(alice), drain(bob)]);
    expect([...byAlice, ...byBob].map((task) => task.id).sort()).toEqual([...ids].sort());
    expect(byAlice.every((task) => task.locked_by === "alice")).toBe(true);
    expect(byBob.every((task) => task.locked_by === "bob")).toBe(true);
    expect(byAlice.length).toBeGreaterThan(0);
    expect(byBob.length).toBeGreaterThan(0);
  });

  needs("wakes a waiting get_next_task, with progress meanwhile, when another session creates a task", async () => {
    const server = await startHttpServer(await tempDir(), storeArgs());
    const [worker, planner] = await Promise.all([server.connect("worker"), server.connect("planner")]);
    const started = Date.now();
    const progress = new EventLog<unknown>();
    const waiting = worker.client.callTool({ name: "get_next_task", arguments: { wait_seconds: 40 } }, CallToolResultSchema, { onprogress: progress.push });
    await progress.waitFor(() => true); // the worker is waiting, and its progress comes over its POST's stream
    const created = ok<{ task: Task }>(await planner.call("create_task", { task_type: "t" })).task;
    expect(ok<{ task: Task }>((await waiting) as never).task).toMatchObject({ id: created.id, locked_by: "worker", status: "in_progress" });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("--http", () => {
  it("makes two sessions of one client two holders, each claiming as its client's name (--agent-id ignored, with a warning)", async () => {
    const server = await startHttpServer(await tempDir(), ["--agent-id", "fixed"]);
    expect(server.stderr()).toMatch(/--agent-id .*does not apply over HTTP/);
    const [first, second] = await Promise.all([server.connect("same"), server.connect("same")]);
    ok(await first.call("create_task", { task_type: "t" }));
    const task = ok<{ task: Task }>(await first.call("get_next_task", {})).task;
    expect(task.locked_by).toBe("same");
    refusal(await second.call("complete_task", { task_id: task.id }), "NOT_CLAIM_HOLDER");
    ok(await first.call("complete_task", { task_id: task.id }));
  });

  it("makes two sessions of one client two holders of reserved paths", async () => {
    const server = await startHttpServer(await tempDir());
    const [first, second] = await Promise.all([server.connect("same"), server.connect("same")]);
    expect(ok(await first.call("reserve_paths", { paths: ["src/**"] }))).toMatchObject({ granted: true, reservations: [{ path: "src/**", held_by: "same" }] });
    const refused = await second.call("reserve_paths", { paths: ["src/a.ts"] });
    expect(ok(refused)).toMatchObject({ granted: false, reservations: [], conflicts: [{ path: "src/a.ts", held_path: "src/**", held_by: "same" }] });
    expect(textOf(refused)).toMatch(/nothing was reserved/i);
    expect(ok(await second.call("release_paths", {}))).toEqual({ released: [] });
    expect(ok(await first.call("release_paths", {}))).toEqual({ released: ["src/**"] });
    expect(ok(await second.call("reserve_paths", { paths: ["src/a.ts"] }))).toMatchObject({ granted: true });
  });

  it("sends a subscribed resource's updates and list_changed over SSE", async () => {
    const server = await startHttpServer(await tempDir());
    const [watcher, planner] = await Promise.all([server.connect("watcher"), server.connect("planner")]);
    const updates = new EventLog<string>();
    watcher.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notice) => updates.push(notice.params.uri));
    const listChanges = new EventLog<string>();
    watcher.client.setNotificationHandler(ResourceListChangedNotificationSchema, (notice) => listChanges.push(notice.method));
    await watcher.client.subscribeResource({ uri: "workflow://alpha" });
    ok(await planner.call("create_task", { workflow: "alpha", task_type: "t" }));
    await updates.waitFor((uri) => uri === "workflow://alpha");
    await listChanges.waitFor(() => true); // alpha is a new workflow: the list of resources changed
  });

  it("resumes a broken SSE stream with Last-Event-ID: an update sent while it was away is replayed", async () => {
    const server = await startHttpServer(await tempDir());
    const planner = await server.connect("planner");
    const opened = await rawPost(server.url, {}, INITIALIZE);
    const session = { "mcp-session-id": opened.session as string, "mcp-protocol-version": "2025-06-18" };
    expect((await rawPost(server.url, session, { jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    expect((await rawPost(server.url, session, { jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri: "workflow://alpha" } })).status).toBe(200);
    const isUpdate = (event: SseEvent) => event.data.includes("notifications/resources/updated");

    const first = await openStream(server.url, session);
    expect(first.status).toBe(200);
    ok(await planner.call("create_task", { workflow: "alpha", task_type: "t" }));
    const seen = await first.events.waitFor(isUpdate);
    first.close();

    // The planner's own subscription is the fence: once it hears of the second task, so has the server.
    const plannerUpdates = new EventLog<string>();
    planner.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notice) => plannerUpdates.push(notice.params.uri));
    await planner.client.subscribeResource({ uri: "workflow://alpha" });
    ok(await planner.call("create_task", { workflow: "alpha", task_type: "t" }));
    await plannerUpdates.waitFor((uri) => uri === "workflow://alpha");

    // Until the server has seen the first stream end, a second one for it is a conflict (409).
    let resumed = await openStream(server.url, { ...session, "last-event-id": seen.id as string });
    for (const deadline = Date.now() + 10_000; resumed.status === 409 && Date.now() < deadline; ) {
      resumed.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      resumed = await openStream(server.url, { ...session, "last-event-id": seen.id as string });
    }
    expect(resumed.status).toBe(200);
    const replayed = await resumed.events.waitFor(isUpdate);
    expect(replayed.id).not.toBe(seen.id);
    resumed.close();
  });

  it("sends store notices to every session, each filtered by its own logging/setLevel", async () => {
    const stateDir = await tempDir();
    const stateFile = join(stateDir, "alpha.json");
    await new TaskManager({ stateFile }).createTask({ type: "t" });
    const server = await startHttpServer(stateDir);
    const [quiet, loud] = await Promise.all([server.connect("quiet"), server.connect("loud")]);
    const heard = { quiet: new EventLog<LoggingLevel>(), loud: new EventLog<LoggingLevel>() };
    quiet.client.setNotificationHandler(LoggingMessageNotificationSchema, (notice) => heard.quiet.push(notice.params.level));
    loud.client.setNotificationHandler(LoggingMessageNotificationSchema, (notice) => heard.loud.push(notice.params.level));
    await quiet.client.setLoggingLevel("error");

    // This process holds the state file's lock for over a second: the server warns of the wait.
    const lock = await acquireFileLock(stateFile, { timeoutMs: 5_000, staleMs: 10_000, updateMs: 1_000 });
    setTimeout(() => void lock.release(), 1_200);
    ok(await quiet.call("create_task", { workflow: "alpha", task_type: "t" }));
    await heard.loud.waitFor((level) => level === "warning");
    expect(heard.quiet.events).toEqual([]);
  });

  it("ends a session on DELETE: its id is then unknown", async () => {
    const server = await startHttpServer(await tempDir());
    const client = await server.connect("short-lived");
    const sessionId = client.transport.sessionId as string;
    await client.transport.terminateSession();
    const after = await rawPost(server.url, { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" }, { jsonrpc: "2.0", id: 2, method: "tools/list" });
    expect(after.status).toBe(404);
  });

  it("refuses a foreign Host or Origin with 403 (DNS rebinding)", async () => {
    const server = await startHttpServer(await tempDir());
    expect((await rawPost(server.url, { host: `evil.example:${server.url.port}` }, INITIALIZE)).status).toBe(403);
    expect((await rawPost(server.url, { origin: "http://evil.example" }, INITIALIZE)).status).toBe(403);
    expect((await rawPost(server.url, { host: `localhost:${server.url.port}`, origin: `http://localhost:${server.url.port}` }, INITIALIZE)).status).toBe(200);
  });

  it("refuses to bind a non-loopback address without a token, and a bad port", async () => {
    const dir = await tempDir();
    for (const args of [["--host", "0.0.0.0"], ["--port", "65536"]]) {
      const result = await runNode(cliPath, ["--http", "--state-dir", dir, ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr.split("\n")[0]).toMatch(args[0] === "--host" ? /--token/ : /--port must be a port number/);
    }
    const fromEnv = await runNode(cliPath, ["--http", "--state-dir", dir], { env: { TASK_MANAGER_HTTP_HOST: "0.0.0.0" } });
    expect(fromEnv.code).toBe(1);
  });

  it("with a token, answers a request without it 401 and serves one with it", async () => {
    const token = "0123456789abcdef0123";
    const server = await startHttpServer(await tempDir(), ["--token", token]);
    expect((await rawPost(server.url, {}, INITIALIZE)).status).toBe(401);
    expect((await rawPost(server.url, { authorization: "Bearer wrong-token-0123456789" }, INITIALIZE)).status).toBe(401);
    const client = await server.connect("holder", { authorization: `Bearer ${token}` });
    ok(await client.call("list_workflows", {}));
  });

  it("bounds sessions, closes idle ones and refuses a body over the limit", async () => {
    const server = await startHttpServer(await tempDir(), ["--max-sessions", "2", "--idle-timeout", "1"]);
    const huge = { ...INITIALIZE, params: { ...INITIALIZE.params, padding: "x".repeat(5 * 1024 * 1024) } };
    expect((await rawPost(server.url, {}, huge)).status).toBe(413);
    const first = await server.connect("first");
    await server.connect("second");
    expect((await rawPost(server.url, {}, INITIALIZE)).status).toBe(503);
    // Closing a client ends its stream without DELETE: idle for over a second, its session is closed and frees a place.
    await first.client.close();
    const closedIdle = async (): Promise<boolean> => (await rawPost(server.url, {}, INITIALIZE)).status === 200;
    const deadline = Date.now() + 15_000;
    while (!(await closedIdle())) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  it("names the server's default address in mcp.json.example's task-manager-http entry", async () => {
    const config = JSON.parse(await readFile(join(repoRoot, "mcp.json.example"), "utf8")) as { mcpServers: Record<string, unknown> };
    expect(config.mcpServers["task-manager-http"]).toEqual({ type: "http", url: `http://${DEFAULT_HTTP_HOST}:${DEFAULT_HTTP_PORT}${MCP_PATH}` });
  });

  it("exits 0 on SIGTERM with sessions open, answering a waiting call first", async () => {
    const server = await startHttpServer(await tempDir());
    const [waiter, idle] = await Promise.all([server.connect("waiter"), server.connect("idle")]);
    ok(await idle.call("list_workflows", {}));
    const waiting = waiter.client.callTool({ name: "get_next_task", arguments: { wait_seconds: 40 } }, CallToolResultSchema);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the call is in flight
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(ok<{ task: Task | null }>((await waiting) as never).task).toBeNull();
  });
});
