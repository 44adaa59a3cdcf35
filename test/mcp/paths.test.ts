/**
 * Path reservations over MCP (issue 19), through the built server and the real client over
 * stdio, on every store: tasks declare the paths they edit and two overlapping ones are
 * never in progress at once; reserve_paths and release_paths for edits outside a task; each
 * server (each window of a client, even under one name) is a holder of its own.
 */
import { CallToolResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { EventLog } from "../helpers/events.js";
import { ok, refusal, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { SERVER_STORES } from "../helpers/server-stores.js";
import { has, requirement } from "../helpers/requirements.js";
import { tempDir } from "../helpers/temp-dir.js";

interface ShownTask {
  id: string;
  type: string;
  status: string;
  paths?: string[];
  locked_by?: string;
}
interface Conflict {
  path: string;
  held_path: string;
  held_by: string;
  expires_at: string | null;
  task_id: string | null;
}
interface Reserved {
  granted: boolean;
  reservations: Array<{ path: string; held_by: string; exclusive: boolean; expires_at: string; task_id?: string }>;
  conflicts: Conflict[];
}
interface Summary {
  total_tasks: number;
  status_counts: Record<string, number>;
  pending_counts: Record<string, number>;
}
interface ResourceBody {
  summary: Summary;
  reservations: Array<Record<string, unknown>>;
  tasks: ShownTask[];
}

const WF = "repo";

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

interface Agent {
  server: RunningServer;
  call(tool: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** A successful call's structured content, in workflow WF. */
  do<T = Record<string, unknown>>(tool: string, args?: Record<string, unknown>): Promise<T>;
  reserve(paths: string[], extra?: Record<string, unknown>): Promise<Reserved>;
  claim(): Promise<ShownTask | null>;
}

/** Servers over one state directory (or database schema), one per client. */
async function sharedStore(storeArgs: () => string[]): Promise<(clientName: string) => Promise<Agent>> {
  const stateDir = await tempDir();
  const args = storeArgs();
  return async (clientName) => {
    const server = await startServer({ stateDir, clientName, args });
    running.push(server);
    const call = (tool: string, toolArgs: Record<string, unknown> = {}): Promise<CallToolResult> => server.call(tool, { workflow: WF, ...toolArgs });
    const agent: Agent = {
      server,
      call,
      do: async <T,>(tool: string, toolArgs: Record<string, unknown> = {}) => ok<T>(await call(tool, toolArgs)),
      reserve: (paths, extra = {}) => agent.do<Reserved>("reserve_paths", { paths, ...extra }),
      claim: async () => (await agent.do<{ task: ShownTask | null }>("get_next_task")).task,
    };
    return agent;
  };
}

async function create(agent: Agent, type: string, paths?: string[]): Promise<ShownTask> {
  return (await agent.do<{ task: ShownTask }>("create_task", { task_type: type, ...(paths && { paths }) })).task;
}

async function readWorkflow(agent: Agent): Promise<ResourceBody> {
  const { contents } = await agent.server.client.readResource({ uri: `workflow://${WF}` });
  return JSON.parse((contents[0] as { text: string }).text) as ResourceBody;
}

async function inProgress(agent: Agent): Promise<string[]> {
  return (await agent.do<{ tasks: ShownTask[] }>("list_tasks", { status: "in_progress" })).tasks.map((task) => task.type).sort();
}

describe.each(SERVER_STORES)("paths over MCP, %s store", (store, storeArgs) => {
  const needs = store === "postgres" ? it.skipIf(!requirement(has("postgres"), "PostgreSQL on 127.0.0.1:5432")) : it;

  needs("an exclusive glob reserved by one client blocks an overlapping path for another, naming the holder; release and ttl end it", async () => {
    const connect = await sharedStore(storeArgs);
    const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);

    const mine = await alice.reserve(["src/auth/**"], { reason: "refactor" });
    expect(mine).toMatchObject({ granted: true, conflicts: [], reservations: [{ path: "src/auth/**", held_by: "alice", exclusive: true, reason: "refactor" }] });
    expect(JSON.stringify(mine)).not.toContain("session");

    // Refused, all or nothing: docs/x.md is free but is not reserved either. Not an error.
    const result = await bob.call("reserve_paths", { paths: ["docs/x.md", "src/auth/login.ts"] });
    expect(result.isError).toBeFalsy();
    const refused = ok<Reserved>(result);
    expect(refused).toEqual({
      granted: false,
      reservations: [],
      conflicts: [{ path: "src/auth/login.ts", held_path: "src/auth/**", held_by: "alice", expires_at: mine.reservations[0]?.expires_at, task_id: null }],
    });
    const text = textOf(result);
    expect(text).toMatch(/nothing was reserved/i);
    expect(text).toContain("src/auth/login.ts");
    expect(text).toContain("src/auth/**");
    expect(text).toContain("alice");
    expect(text).toContain(mine.reservations[0]?.expires_at);
    expect((await alice.reserve(["docs/x.md"])).granted).toBe(true); // bob got nothing
    expect((await alice.do<{ released: string[] }>("release_paths", { paths: ["docs/x.md"] })).released).toEqual(["docs/x.md"]);

    // Only the holder's release ends it.
    expect((await bob.do<{ released: string[] }>("release_paths", {})).released).toEqual([]);
    expect((await bob.reserve(["src/auth/login.ts"])).granted).toBe(false);
    expect((await alice.do<{ released: string[] }>("release_paths", { paths: ["src/auth/**"] })).released).toEqual(["src/auth/**"]);
    expect(await bob.reserve(["src/auth/login.ts"])).toMatchObject({ granted: true, reservations: [{ path: "src/auth/login.ts", held_by: "bob" }] });
    expect((await bob.do<{ released: string[] }>("release_paths")).released).toEqual(["src/auth/login.ts"]);

    // A ttl ends it by itself.
    expect((await alice.reserve(["lib/**"], { ttl_seconds: 1 })).granted).toBe(true);
    expect((await bob.reserve(["lib/util.ts"])).granted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect((await bob.reserve(["lib/util.ts"])).granted).toBe(true);
  });

  needs("never has two tasks touching one file in progress at once, while a disjoint task is handed out", async () => {
    const connect = await sharedStore(storeArgs);
    const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);
    const first = await create(alice, "first", ["./src//a.ts"]);
    expect(first.paths).toEqual(["src/a.ts"]);
    const overlapping = await create(alice, "overlapping", ["src/**"]);
    const disjoint = await create(alice, "disjoint", ["docs/**"]);

    expect((await alice.claim())?.id).toBe(first.id);
    expect((await bob.claim())?.id).toBe(disjoint.id); // the older "overlapping" waits for src/a.ts
    expect(await bob.claim()).toBeNull();
    expect(await inProgress(alice)).toEqual(["disjoint", "first"]);
    const summary = await alice.do<Summary>("summary");
    expect(summary.pending_counts).toMatchObject({ conflicting: 1, ready: 0 });
    expect(textOf(await alice.call("summary"))).toContain("conflicting=1");
    expect((await readWorkflow(bob)).summary.pending_counts).toMatchObject({ conflicting: 1 });

    // Paths show on the task everywhere; the holder's session digest nowhere.
    const shown = [
      JSON.stringify(await alice.do("get_task", { task_id: first.id })),
      JSON.stringify(await alice.do("list_tasks")),
      JSON.stringify(await readWorkflow(alice)),
      textOf(await alice.call("get_task", { task_id: first.id })),
    ];
    for (const text of shown) {
      expect(text).toContain("src/a.ts");
      expect(text).not.toContain("session");
    }

    ok(await alice.call("complete_task", { task_id: first.id }));
    expect((await bob.claim())?.id).toBe(overlapping.id);
    expect(await inProgress(alice)).toEqual(["disjoint", "overlapping"]);
  });

  needs("a reservation keeps overlapping tasks from other agents until it is released, and the workflow resource shows it", async () => {
    const connect = await sharedStore(storeArgs);
    const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);
    const reserved = await alice.reserve(["src/**"], { reason: "rename" });
    const task = await create(bob, "edit", ["src/x.ts"]);
    await create(bob, "other", ["test/x.test.ts"]);

    expect((await bob.claim())?.type).toBe("other");
    expect(await bob.claim()).toBeNull();
    const body = await readWorkflow(bob);
    expect(body.reservations).toEqual([expect.objectContaining({ path: "src/**", held_by: "alice", exclusive: true, reason: "rename", expires_at: reserved.reservations[0]?.expires_at })]);
    expect(JSON.stringify(body)).not.toContain("session");
    expect(body.summary.pending_counts).toMatchObject({ conflicting: 1 });

    ok(await alice.call("release_paths"));
    expect((await readWorkflow(bob)).reservations).toEqual([]);
    expect(await bob.claim()).toMatchObject({ id: task.id, locked_by: "bob", paths: ["src/x.ts"] });
  });

  needs("wakes an agent waiting in get_next_task when the conflict in its way ends", async () => {
    const connect = await sharedStore(storeArgs);
    const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);
    ok(await alice.call("reserve_paths", { paths: ["src/**"] }));
    const task = await create(alice, "edit", ["src/x.ts"]);

    const progress = new EventLog<unknown>();
    const started = Date.now();
    const waiting = bob.server.client.callTool({ name: "get_next_task", arguments: { workflow: WF, wait_seconds: 40 } }, CallToolResultSchema, {
      onprogress: progress.push,
      timeout: 60_000,
    });
    await progress.waitFor(() => true); // bob is waiting
    await new Promise((resolve) => setTimeout(resolve, 300));
    ok(await alice.call("release_paths", { paths: ["src/**"] }));
    expect(ok<{ task: ShownTask | null }>((await waiting) as CallToolResult).task).toMatchObject({ id: task.id, locked_by: "bob", status: "in_progress" });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  needs("refuses bad paths with INVALID_INPUT and changes nothing", async () => {
    const connect = await sharedStore(storeArgs);
    const alice = await connect("alice");
    await create(alice, "kept", ["src/ok.ts"]);
    ok(await alice.call("reserve_paths", { paths: ["docs/**"] }));
    const before = JSON.stringify(await readWorkflow(alice));

    for (const bad of ["../x", "src/../../x", "/etc/passwd", "", "a\u0000b"]) {
      refusal(await alice.call("create_task", { task_type: "t", paths: [bad] }), "INVALID_INPUT");
      refusal(await alice.call("create_tasks", { tasks: [{ task_type: "fine" }, { task_type: "t", paths: ["ok.ts", bad] }] }), "INVALID_INPUT");
      refusal(await alice.call("reserve_paths", { paths: ["lib/ok.ts", bad] }), "INVALID_INPUT");
      refusal(await alice.call("release_paths", { paths: ["docs/**", bad] }), "INVALID_INPUT");
    }
    for (const ttl of [0, -1, 86_401]) {
      expect(refusal(await alice.call("reserve_paths", { paths: ["lib/ok.ts"], ttl_seconds: ttl }), "INVALID_INPUT")).toContain("ttl_seconds");
    }
    refusal(await alice.call("reserve_paths", { paths: ["lib/ok.ts"], task_id: "no_such_task" }), "TASK_NOT_FOUND");
    expect(JSON.stringify(await readWorkflow(alice))).toBe(before);
    expect((await alice.do<Summary>("summary")).total_tasks).toBe(1);
  });

  needs("makes two windows of one client (the same client name) two holders", async () => {
    const connect = await sharedStore(storeArgs);
    const [first, second] = await Promise.all([connect("same"), connect("same")]);
    expect((await first.reserve(["src/**"])).granted).toBe(true);

    const result = await second.call("reserve_paths", { paths: ["src/a.ts"] });
    expect(ok<Reserved>(result)).toMatchObject({ granted: false, conflicts: [{ path: "src/a.ts", held_path: "src/**", held_by: "same" }] });
    expect(textOf(result)).toContain("another session");
    expect((await second.do<{ released: string[] }>("release_paths")).released).toEqual([]); // not its reservation to end
    expect((await second.reserve(["src/a.ts"])).granted).toBe(false);

    // The first window's own reservation does not keep its own claim out; the second's claim waits.
    const task = await create(second, "edit", ["src/b.ts"]);
    expect(await second.claim()).toBeNull();
    expect(await first.claim()).toMatchObject({ id: task.id, locked_by: "same" });
    // Now the task in progress holds src/b.ts for the first window alone.
    ok(await first.call("release_paths"));
    expect(await second.reserve(["src/b.ts"])).toMatchObject({ granted: false, conflicts: [{ path: "src/b.ts", held_by: "same", task_id: task.id }] });
    expect((await second.reserve(["src/a.ts"])).granted).toBe(true);
  });
});

describe("what agents are told", () => {
  it("the instructions, the worker and the planner prompt say to give tasks their paths and to reserve files edited outside a task", async () => {
    const server = await startServer({ stateDir: await tempDir(), clientName: "reader" });
    running.push(server);
    const instructions = server.client.getInstructions() ?? "";
    for (const word of ["paths", "reserve_paths", "release_paths"]) expect(instructions).toContain(word);
    const promptText = async (name: string, args: Record<string, string>): Promise<string> =>
      ((await server.client.getPrompt({ name, arguments: args })).messages[0]?.content as { text: string }).text;
    const worker = await promptText("worker", {});
    for (const word of ["`paths`", "`reserve_paths`", "`release_paths`"]) expect(worker).toContain(word);
    expect(await promptText("planner", { goal: "g" })).toContain("`paths`");
  });
});
