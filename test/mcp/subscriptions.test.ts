/**
 * Live resources and MCP logging, end to end: a real server process, changed by the
 * library in separate child processes. "Nothing arrives after unsubscribing" is
 * shown with a fence: a later change that does notify proves the earlier one was
 * handled, so no sleep decides the outcome.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  LoggingMessageNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type LoggingMessageNotification,
} from "@modelcontextprotocol/sdk/types.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterEach, describe, expect, it } from "vitest";
import { createServer, TaskManager } from "../../src/index.js";
import { watchedDirectoryCount } from "../../src/store/json/state-dir-watcher.js";
import { acquireFileLock } from "../../src/store/json/file-lock.js";
import { EventLog } from "../helpers/events.js";
import { ok, refusal, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { repoRoot } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";

const createOne = join(repoRoot, "test", "fixtures", "create-one.mjs");

type Notice = { method: string; uri?: string };

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** A server whose client records resource notifications and log messages. */
async function connect(stateDir: string) {
  const server = await startServer({ stateDir, clientName: "watcher" });
  running.push(server);
  const notices = new EventLog<Notice>();
  const logs = new EventLog<LoggingMessageNotification["params"]>();
  server.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => notices.push({ method: n.method, uri: n.params.uri }));
  server.client.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => notices.push({ method: n.method }));
  server.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  return { server, notices, logs };
}

/** Creates a task in a workflow from a child process running the library. */
async function createElsewhere(stateDir: string, workflow: string, type = "t"): Promise<string> {
  const result = await runNode(createOne, [join(stateDir, `${workflow}.json`), type, "4000", "0"]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

const updated = (uri: string) => (notice: Notice) => notice.method === "notifications/resources/updated" && notice.uri === uri;
const listChanged = (notice: Notice) => notice.method === "notifications/resources/list_changed";

describe("resource subscriptions", () => {
  it("declares resources.subscribe and logging", async () => {
    const { server } = await connect(await tempDir());
    expect(server.client.getServerCapabilities()).toMatchObject({ resources: { subscribe: true, listChanged: true }, logging: {} });
  });

  it("notifies a subscribed workflow's changes by another process, new workflows, and nothing after unsubscribe", async () => {
    const stateDir = await tempDir();
    await createElsewhere(stateDir, "alpha");
    const { server, notices } = await connect(stateDir);
    await server.client.subscribeResource({ uri: "workflow://alpha" });

    await createElsewhere(stateDir, "alpha");
    await notices.waitFor(updated("workflow://alpha"));

    let mark = notices.mark;
    await createElsewhere(stateDir, "beta");
    await notices.waitFor(listChanged, undefined, mark);
    expect(notices.since(mark).some(updated("workflow://beta"))).toBe(false); // not subscribed

    await server.client.unsubscribeResource({ uri: "workflow://alpha" });
    mark = notices.mark;
    await createElsewhere(stateDir, "alpha");
    await createElsewhere(stateDir, "gamma"); // the fence
    await notices.waitFor(listChanged, undefined, mark);
    expect(notices.since(mark).filter(updated("workflow://alpha"))).toEqual([]);
  });

  it("notifies a task's URI only when that task changes", async () => {
    const stateDir = await tempDir();
    const tm = new TaskManager({ stateFile: join(stateDir, "alpha.json") });
    const watched = await tm.createTask({ type: "t" });
    const other = await tm.createTask({ type: "t", priority: 1 });
    const { server, notices } = await connect(stateDir);
    const uri = `workflow://alpha/tasks/${watched}`;
    await server.client.subscribeResource({ uri });
    await server.client.subscribeResource({ uri: "workflow://alpha" });

    let mark = notices.mark;
    expect(await tm.getNextTask({ agentId: "w" })).toMatchObject({ id: other }); // priority 1: the other task
    await notices.waitFor(updated("workflow://alpha"), undefined, mark);
    expect(notices.since(mark).some(updated(uri))).toBe(false);

    mark = notices.mark;
    await tm.cancelTask({ taskId: watched, agentId: "person" });
    await notices.waitFor(updated(uri), undefined, mark);
  });

  it("closes its watch of the state directory when the client goes away", async () => {
    const stateDir = await tempDir();
    const before = watchedDirectoryCount();
    const server = createServer({ stateDir, log: () => undefined });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: "in-process", version: "1.0.0" });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    await client.subscribeResource({ uri: "workflow://alpha" });
    expect(watchedDirectoryCount()).toBe(before + 1);
    await client.close();
    expect(watchedDirectoryCount()).toBe(before);
  });

  it("accepts a workflow that does not exist yet, and refuses a URI that is not a workflow's", async () => {
    const stateDir = await tempDir();
    const { server, notices } = await connect(stateDir);
    await server.client.subscribeResource({ uri: "workflow://later" });
    await createElsewhere(stateDir, "later");
    await notices.waitFor(updated("workflow://later"));
    await expect(server.client.subscribeResource({ uri: "file:///etc/passwd" })).rejects.toThrow(/Cannot subscribe/);
    await expect(server.client.subscribeResource({ uri: "workflow://../x" })).rejects.toThrow(/Cannot subscribe/);
  });
});

describe("MCP logging", () => {
  it("reports an expired lease released at level notice, to the client's log and not to stderr", async () => {
    const stateDir = await tempDir();
    const tm = new TaskManager({ stateFile: join(stateDir, "alpha.json") });
    const id = await tm.createTask({ type: "t" });
    await tm.getNextTask({ agentId: "vanished", leaseSeconds: 1 });
    const { server, logs } = await connect(stateDir);
    const claimed = ok<{ task: { id: string } }>(await server.call("get_next_task", { workflow: "alpha", wait_seconds: 30 })).task;
    expect(claimed.id).toBe(id);
    const log = await logs.waitFor((entry) => entry.level === "notice");
    expect(log).toMatchObject({ logger: "task-manager", data: { workflow: "alpha", tasks: [{ id, holder: "vanished", attempt: 1, status: "in_progress" }] } }); // released, and claimed again at once
    expect(server.stderr()).not.toContain("expired claim");
  });

  it("reports a corrupt state file once, at level error", async () => {
    const stateDir = await tempDir();
    await writeFile(join(stateDir, "broken.json"), "{ not json");
    const { server, logs } = await connect(stateDir);
    refusal(await server.call("summary", { workflow: "broken" }), "STATE_FILE_CORRUPT");
    refusal(await server.call("get_next_task", { workflow: "broken" }), "STATE_FILE_CORRUPT");
    const log = await logs.waitFor((entry) => entry.level === "error");
    expect(log.data).toMatchObject({ workflow: "broken", code: "STATE_FILE_CORRUPT" });
    ok(await server.call("list_workflows", {})); // a fence: its own log messages would come before its answer
    expect(logs.events.filter((entry) => entry.level === "error")).toHaveLength(1);
  });

  it("reports a long wait for the lock, and respects logging/setLevel", async () => {
    const stateDir = await tempDir();
    const stateFile = join(stateDir, "alpha.json");
    await new TaskManager({ stateFile }).createTask({ type: "t" });
    const { server, logs } = await connect(stateDir);

    // Hold the state file's lock from this process for a while.
    const hold = async () => {
      const lock = await acquireFileLock(stateFile, { timeoutMs: 5_000, staleMs: 10_000, updateMs: 1_000 });
      setTimeout(() => void lock.release(), 1_200);
    };
    await hold();
    ok(await server.call("create_task", { workflow: "alpha", task_type: "t" }));
    const log = await logs.waitFor((entry) => entry.level === "warning");
    expect(log.data).toMatchObject({ workflow: "alpha" });
    expect((log.data as { message: string }).message).toMatch(/waited \d+\.\d s for the state file's lock/);

    await server.client.setLoggingLevel("error");
    const mark = logs.mark;
    await hold();
    ok(await server.call("create_task", { workflow: "alpha", task_type: "t" }));
    expect(logs.since(mark)).toEqual([]);
  });
});
