/**
 * The server over either store, chosen with --store or TASK_MANAGER_STORE, through the
 * built bin and the real client; and create_tasks, many tasks in one call.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { EventLog } from "../helpers/events.js";
import { fixture } from "../helpers/paths.js";
import { cliPath, ok, refusal, startServer, textOf, type RunningServer, type StartServerOptions } from "../helpers/mcp-client.js";
import { runNode } from "../helpers/processes.js";
import { snapshotTree, tempDir } from "../helpers/temp-dir.js";

/** Every file's bytes but SQLite's shared-memory index, which readers write to as they read. */
async function committedFiles(dir: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await snapshotTree(dir)).filter(([path]) => !path.endsWith("-shm")));
}

const running: RunningServer[] = [];
async function connect(options: StartServerOptions): Promise<RunningServer> {
  const server = await startServer({ clientName: "planner", ...options });
  running.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe("choosing the store", () => {
  it("--store sqlite keeps every workflow in <state-dir>/tasks.sqlite, and list_workflows finds them", async () => {
    const stateDir = await tempDir();
    const server = await connect({ stateDir, args: ["--store", "sqlite"] });
    ok(await server.call("create_task", { workflow: "alpha", task_type: "a" }));
    ok(await server.call("create_task", { workflow: "beta", task_type: "b" }));
    const claimed = ok<{ task: { id: string; locked_by: string } }>(await server.call("get_next_task", { workflow: "alpha" }));
    expect(claimed.task.locked_by).toBe("planner");
    ok(await server.call("complete_task", { workflow: "alpha", task_id: claimed.task.id }));
    const { workflows } = ok<{ workflows: { name: string; total_tasks: number; status_counts: Record<string, number> }[] }>(
      await server.call("list_workflows"),
    );
    expect(workflows.map((w) => [w.name, w.total_tasks])).toEqual([
      ["alpha", 1],
      ["beta", 1],
    ]);
    expect(workflows[0]?.status_counts.completed).toBe(1);
    const files = await readdir(stateDir);
    expect(files).toContain("tasks.sqlite");
    expect(files.filter((file) => file.endsWith(".json"))).toEqual([]);
  });

  it("takes the store from TASK_MANAGER_STORE, and a JSON server does not see SQLite workflows", async () => {
    const stateDir = await tempDir();
    const sqlite = await connect({ stateDir, env: { TASK_MANAGER_STORE: "sqlite" } });
    ok(await sqlite.call("create_task", { workflow: "kept-in-sqlite", task_type: "a" }));
    expect(existsSync(join(stateDir, "tasks.sqlite"))).toBe(true);
    const json = await connect({ stateDir });
    expect(ok<{ workflows: unknown[] }>(await json.call("list_workflows")).workflows).toEqual([]);
  });

  it.each([
    [["--store", "mongo"], {}, "--store"],
    [[], { TASK_MANAGER_STORE: "postgresql-please" }, "TASK_MANAGER_STORE"],
    [["--store", "sqlite", "--sqlite-synchronous", "off"], {}, "--sqlite-synchronous"],
  ])("%j %j: exits 1 naming %s, creating nothing", async (args, env, named) => {
    const stateDir = await tempDir();
    const run = await runNode(cliPath, ["--state-dir", stateDir, ...args], { env: { ...env } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(named);
    expect(await readdir(stateDir)).toEqual([]);
  });
});

describe("a SQLite server's live resources", () => {
  it("tell a subscribed client of another process's changes, and every client of a new workflow", async () => {
    const stateDir = await tempDir();
    const create = async (workflow: string): Promise<void> => {
      const run = await runNode(fixture("store-worker.mjs"), [stateDir, "sqlite", workflow, "someone-else", "drain"]);
      expect(run.code, run.stderr).toBe(0);
    };
    const server = await connect({ stateDir, args: ["--store", "sqlite"] });
    ok(await server.call("create_task", { workflow: "alpha", task_type: "a" }));
    const notices = new EventLog<{ method: string; uri?: string }>();
    server.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => notices.push({ method: n.method, uri: n.params.uri }));
    server.client.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => notices.push({ method: n.method }));
    await server.client.subscribeResource({ uri: "workflow://alpha" });
    // Another process drains alpha (claims and completes its task): a change the server did not make.
    await create("alpha");
    await notices.waitFor((n) => n.method === "notifications/resources/updated" && n.uri === "workflow://alpha");
    const summary = ok<{ status_counts: Record<string, number> }>(await server.call("summary", { workflow: "alpha" }));
    expect(summary.status_counts.completed).toBe(1);
    const mark = notices.mark;
    const elsewhere = await startServer({ stateDir, args: ["--store", "sqlite"] });
    running.push(elsewhere);
    ok(await elsewhere.call("create_task", { workflow: "beta", task_type: "b" }));
    await notices.waitFor((n) => n.method === "notifications/resources/list_changed", undefined, mark);
  });
});

describe.each(["json", "sqlite"] as const)("create_tasks [%s]", (store) => {
  it("creates a goal and its steps in one call, steps naming each other as #N, and returns the ids in order", async () => {
    const server = await connect({ stateDir: await tempDir(), args: ["--store", store] });
    const result = await server.call("create_tasks", {
      workflow: "plan",
      tasks: [
        { task_type: "goal", data: { what: "ship" } },
        { task_type: "build", parent_id: "#0", priority: 5 },
        { task_type: "test", parent_id: "#0", depends_on: ["#1"] },
        { task_type: "release", parent_id: "#0", depends_on: ["#1", "#2"], idempotency_key: "release-1" },
      ],
    });
    const { ids, already_existed } = ok<{ ids: string[]; already_existed: string[] }>(result);
    expect(ids).toHaveLength(4);
    expect(already_existed).toEqual([]);
    expect(textOf(result)).toContain(`#2 ${ids[2]} type=test parent=${ids[0]} depends_on=${ids[1]}`);
    const children = ok<{ tasks: { id: string; depends_on?: string[] }[] }>(await server.call("get_task_children", { workflow: "plan", task_id: ids[0] }));
    expect(children.tasks.map((task) => task.id)).toEqual(ids.slice(1));
    expect(children.tasks[2]?.depends_on).toEqual([ids[1], ids[2]]);

    const again = ok<{ ids: string[]; already_existed: string[] }>(
      await server.call("create_tasks", { workflow: "plan", tasks: [{ task_type: "release", idempotency_key: "release-1" }] }),
    );
    expect(again).toEqual({ ids: [ids[3]], already_existed: [ids[3]] });
  });

  it("refuses the whole call, naming the task, for an unknown field or a bad value, and writes nothing", async () => {
    const stateDir = await tempDir();
    const server = await connect({ stateDir, args: ["--store", store] });
    ok(await server.call("create_task", { workflow: "plan", task_type: "first" }));
    const before = await committedFiles(stateDir);
    const unknownField = refusal(await server.call("create_tasks", { workflow: "plan", tasks: [{ task_type: "a" }, { task_type: "b", priorty: 3 }] }), "INVALID_INPUT");
    expect(unknownField).toContain('task 2: unknown field "priorty"');
    refusal(await server.call("create_tasks", { workflow: "plan", tasks: [{ task_type: "a" }, { task_type: "no spaces" }] }), "INVALID_INPUT");
    refusal(await server.call("create_tasks", { workflow: "plan", tasks: [{ task_type: "a", depends_on: ["#1"] }, { task_type: "b" }] }), "TASK_NOT_FOUND");
    const tooMany = Array.from({ length: 1001 }, () => ({ task_type: "x" }));
    expect(refusal(await server.call("create_tasks", { workflow: "plan", tasks: tooMany }), "INVALID_INPUT")).toContain("limit of 1000");
    expect(await committedFiles(stateDir)).toEqual(before);
  });
});
