/**
 * Connections dropped under load: the database terminates a busy process's connections
 * again and again (pg_terminate_backend, as a restart, a failover or an administrator
 * would), while its agents are mid-transaction, mid-statement, LISTENing or vacuuming.
 * The process must live on; every call either succeeds or fails with STORE_UNAVAILABLE,
 * saying "may or may not have been applied" only of a write whose commit may have
 * happened and "nothing was changed" only where nothing was; each task is still claimed
 * by one agent at a time and completed once; and once the database lets it be, the
 * process serves as before, its waiters woken through a LISTEN connection opened anew.
 *
 * Each process's connections carry an application_name of their own, so that only they are
 * terminated: other test files use the same database at the same time.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { PostgresStore, TaskManager, type Task } from "../../src/index.js";
import { VACUUM_AFTER_CLAIMS } from "../../src/store/postgres/vacuum-pacer.js";
import { EventLog } from "../helpers/events.js";
import { ok, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { fixture } from "../helpers/paths.js";
import { TEST_DATABASE_URL, freshSchema } from "../helpers/postgres.js";
import { has } from "../helpers/requirements.js";

const MAYBE = "may or may not have been applied";
const NOTHING = "nothing was changed";
/** The driver's and the server's own words, which a message must not carry (it says why in words of its own). */
const RAW = /\bE(CONN[A-Z]+|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|NOTFOUND|AI_[A-Z]+)\b|Connection terminated|terminating connection|not queryable|administrator command/;
/** Lease of every claim: a claim whose answer was lost comes back this soon. */
const LEASE_SECONDS = 2;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** The test database's URL with an application_name that marks one process's connections. */
function taggedUrl(): { url: string; tag: string } {
  const tag = `tm_dropped_${randomBytes(4).toString("hex")}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("application_name", tag);
  return { url: url.toString(), tag };
}

/** Which of the tagged process's connections to terminate. */
const TARGETS = {
  /** Checked out between two statements of a transaction: the client has no query under way. */
  inTransaction: "state LIKE 'idle in transaction%'",
  /** Running a statement. */
  running: "state = 'active' AND query NOT LIKE 'LISTEN%'",
  listener: "query LIKE 'LISTEN%'",
  vacuum: "state = 'active' AND query LIKE 'VACUUM%'",
  all: "true",
} as const;
type Target = keyof typeof TARGETS;
const ROTATION: Target[] = ["inTransaction", "running", "all", "listener", "inTransaction", "running"];

/** Terminates the connections of the processes whose URL carries `tag`, from a connection of its own. */
class Terminator {
  readonly ended: Record<Target, number> = { inTransaction: 0, running: 0, listener: 0, vacuum: 0, all: 0 };
  private constructor(
    private readonly client: pg.Client,
    private readonly tag: string,
  ) {}

  static async open(tag: string): Promise<Terminator> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const terminator = new Terminator(client, tag);
    cleanups.push(() => client.end());
    return terminator;
  }

  async terminate(target: Target): Promise<number> {
    const { rowCount } = await this.client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1 AND ${TARGETS[target]}`,
      [this.tag],
    );
    this.ended[target] += rowCount ?? 0;
    return rowCount ?? 0;
  }

  /** Pids of the tagged LISTEN connections. */
  async listeners(): Promise<number[]> {
    const { rows } = await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND ${TARGETS.listener}`,
      [this.tag],
    );
    return rows.map((row) => row.pid);
  }

  /** Terminates the LISTEN connection and waits until a new one listens. */
  async dropListener(): Promise<void> {
    const before = await waitUntil(async () => ((await this.listeners()).length > 0 ? this.listeners() : null), "a LISTEN connection");
    await this.terminate("listener");
    await waitUntil(async () => ((await this.listeners()).some((pid) => !before.includes(pid)) ? true : null), "a new LISTEN connection");
  }
}

async function waitUntil<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 10_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Terminates the tagged connections, one kind after another, every few tens of ms until
 * `done` says stop; meanwhile watches closely for a VACUUM to terminate too.
 */
async function keepTerminating(terminator: Terminator, hunter: Terminator, done: () => boolean, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  const stop = () => done() || Date.now() > deadline;
  const hunting = (async () => {
    while (!stop()) {
      await hunter.terminate("vacuum");
      await sleep(2);
    }
  })();
  for (let round = 0; !stop(); round += 1) {
    await terminator.terminate(ROTATION[round % ROTATION.length] as Target);
    await sleep(40 + Math.random() * 60);
  }
  await hunting;
}

interface CallLine {
  agent: string;
  op: "claim" | "get" | "complete" | "summary" | "late";
  call: number;
  ok: boolean;
  task?: string | null;
  attempt?: number | null;
  code?: string | null;
  message?: string;
}

/** The history entries that matter here, oldest first. */
type History = { event: string; agent?: string; attempt?: number }[];

/**
 * Each task claimed by one agent at a time (a claim follows only the end of the one before:
 * its lease ran out, or it was released) and completed once, by a claim that held it.
 */
function expectOneHolderAtATime(task: Task): void {
  let holder: string | null = null;
  let completions = 0;
  for (const entry of (task.history ?? []) as History) {
    if (entry.event === "claimed") {
      expect(holder, `${task.id} claimed by ${entry.agent} while ${holder} held it: ${JSON.stringify(task.history)}`).toBeNull();
      holder = entry.agent ?? "?";
    } else if (entry.event === "lease_expired" || entry.event === "released") {
      holder = null;
    } else if (entry.event === "completed") {
      completions += 1;
      expect(holder, `${task.id} completed while nobody held it: ${JSON.stringify(task.history)}`).not.toBeNull();
      holder = null;
    }
  }
  expect(completions, `${task.id}: ${JSON.stringify(task.history)}`).toBe(1);
}

async function allTasks(tm: TaskManager): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await tm.listTasks({ limit: 500, ...(cursor !== undefined && { cursor }) });
    tasks.push(...page.tasks);
    if (page.next_cursor === null) return tasks;
    cursor = page.next_cursor;
  }
}

/** A manager on the untagged URL: its connections are never terminated. */
function observer(schema: string, workflow: string): TaskManager {
  const tm = new TaskManager({ store: new PostgresStore({ url: TEST_DATABASE_URL, schema, workflow }) });
  cleanups.push(() => tm.close());
  return tm;
}

/** Tasks claimed while the connections drop, by this many agents. */
const TASKS = 200;
const AGENTS = 4;
/** Claimed before: the process's next claims start a VACUUM of its own, while its connections drop. */
const WARMUP = VACUUM_AFTER_CLAIMS - 50;

it.skipIf(!has("postgres")).each(["plain", "paths"] as const)(`a library process with ${AGENTS} agents in a busy claim/read/complete loop survives its connections being terminated again and again (%s tasks)`, async (mode) => {
  const schema = freshSchema();
  const { url, tag } = taggedUrl();
  const terminator = await Terminator.open(tag);
  const hunter = await Terminator.open(tag);

  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    [fixture("pg-drop-worker.mjs"), url, schema, "drops", String(AGENTS), String(WARMUP), String(TASKS), String(LEASE_SECONDS), mode],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  cleanups.push(async () => void child.kill("SIGKILL"));
  const calls: CallLine[] = [];
  const events = new EventLog<string>();
  let stderr = "";
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const parsed = JSON.parse(line) as CallLine | { event: string };
      if ("event" in parsed) events.push(parsed.event);
      else calls.push(parsed);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => {
    gone = true;
    events.push("exit");
  });

  await events.waitFor((event) => event === "ready" || event === "exit", 30_000);
  await keepTerminating(terminator, hunter, () => gone || events.events.includes("drained"), 40_000);
  if ((await events.waitFor((event) => event === "drained" || event === "exit", 30_000)) === "exit") {
    expect.fail(`the process ended before its agents were done: ${JSON.stringify(await exited)}\n${stderr}`);
  }

  // The waiting agent's LISTEN connection, dropped twice more and opened again each time; then a
  // task created by another process wakes it through NOTIFY, long before the 10 s safety re-check.
  await terminator.dropListener();
  await terminator.dropListener();
  const tm = observer(schema, "drops");
  const created = Date.now();
  const late = await tm.createTask({ type: "late" });
  await events.waitFor((event) => event === "late-claimed" || event === "exit", 10_000);
  expect(Date.now() - created).toBeLessThan(3_000);
  const outcome = await exited;
  expect(outcome, stderr).toEqual({ code: 0, signal: null });

  // The database did drop connections while they were in use.
  expect(terminator.ended.inTransaction + terminator.ended.running + terminator.ended.all, JSON.stringify(terminator.ended)).toBeGreaterThan(5);
  expect(terminator.ended.listener).toBeGreaterThanOrEqual(2);

  // Every failure is STORE_UNAVAILABLE, or a holder's completion refused after its lease ran out; no raw error, no stack.
  const tasks = new Map((await allTasks(tm)).map((task) => [task.id, task]));
  const failures = calls.filter((line) => !line.ok);
  for (const failure of failures) {
    expect(failure.message, JSON.stringify(failure)).not.toMatch(/\n\s+at /);
    expect(failure.message, JSON.stringify(failure)).not.toMatch(RAW);
    if (failure.code === "STORE_UNAVAILABLE") {
      // "May have been applied" only of a write whose commit may have happened: reads changed nothing.
      if (failure.op === "get" || failure.op === "summary") expect(failure.message, JSON.stringify(failure)).not.toContain(MAYBE);
      continue;
    }
    expect(failure.op, JSON.stringify(failure)).toBe("complete");
    expect(["CLAIM_SUPERSEDED", "TASK_NOT_IN_PROGRESS", "NOT_CLAIM_HOLDER"], JSON.stringify(failure)).toContain(failure.code);
    const history = (tasks.get(failure.task as string)?.history ?? []) as History;
    expect(history, JSON.stringify(failure)).toContainEqual(expect.objectContaining({ event: "lease_expired", attempt: failure.attempt }));
  }

  // Each task claimed by one agent at a time and completed once.
  expect(tasks.size).toBe(WARMUP + TASKS + 1);
  for (const task of tasks.values()) {
    expect(task.status, task.id).toBe("completed");
    expectOneHolderAtATime(task);
  }

  // The completion kept is a call that succeeded, or one that said it may have been applied; never one that said nothing changed.
  const completes = new Map(calls.filter((line) => line.op === "complete").map((line) => [line.call, line]));
  for (const task of tasks.values()) {
    if (task.type === "warm") continue;
    const kept = completes.get(Number(task.result?.call));
    expect(kept, `${task.id} completed by no call the process made`).toBeDefined();
    expect(kept?.task).toBe(task.id);
    if (!kept?.ok) expect(kept?.message, JSON.stringify(kept)).toContain(MAYBE);
  }
  for (const line of completes.values()) {
    if (line.ok) expect(Number(tasks.get(line.task as string)?.result?.call), JSON.stringify(line)).toBe(line.call);
    if (!line.ok && line.message?.includes(NOTHING)) expect(Number(tasks.get(line.task as string)?.result?.call)).not.toBe(line.call);
  }

  // Every claim an agent was told of is in the task's history; the claims it was not told of are at most
  // as many as its claims that failed saying they may have been applied (none from "nothing was changed").
  const claims = calls.filter((line) => line.op === "claim" || line.op === "late");
  for (const agent of new Set(claims.map((line) => line.agent))) {
    const mine = claims.filter((line) => line.agent === agent);
    const told = mine.filter((line) => line.ok && line.task != null);
    for (const line of told) {
      expect(tasks.get(line.task as string)?.history, JSON.stringify(line)).toContainEqual(expect.objectContaining({ event: "claimed", agent, attempt: line.attempt }));
    }
    const recorded = [...tasks.values()].flatMap((task) => ((task.history ?? []) as History).filter((entry) => entry.event === "claimed" && entry.agent === agent));
    const maybe = mine.filter((line) => !line.ok && line.message?.includes(MAYBE)).length;
    expect(recorded.length - told.length, agent).toBeGreaterThanOrEqual(0);
    expect(recorded.length - told.length, agent).toBeLessThanOrEqual(maybe);
  }
  expect(tasks.get(late)?.history).toContainEqual(expect.objectContaining({ event: "claimed", agent: "late-agent" }));
});

const SERVER_TASKS = 40;

it.skipIf(!has("postgres"))("an MCP server whose connections the database keeps terminating answers every call, with STORE_UNAVAILABLE at worst, and serves on", async () => {
  const schema = freshSchema();
  const { url, tag } = taggedUrl();
  const terminator = await Terminator.open(tag);
  const hunter = await Terminator.open(tag);
  const server: RunningServer = await startServer({
    clientName: "survivor",
    args: ["--store", "postgres", "--agent-id", "survivor"],
    env: { TASK_MANAGER_DATABASE_URL: url, TASK_MANAGER_DATABASE_SCHEMA: schema },
  });
  cleanups.push(() => server.close());
  const pid = (server.client.transport as StdioClientTransport | undefined)?.pid as number;
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  ok(await server.call("create_tasks", { workflow: "served", tasks: Array.from({ length: SERVER_TASKS }, (_, i) => ({ task_type: "job", data: { i } })) }));

  const results: { tool: string; result: CallToolResult }[] = [];
  const call = async (tool: string, args: Record<string, unknown>): Promise<CallToolResult> => {
    const result = await server.call(tool, args);
    results.push({ tool, result });
    return result;
  };
  let finished = false;
  const workers = Array.from({ length: 3 }, async () => {
    for (;;) {
      const claim = await call("get_next_task", { workflow: "served", lease_seconds: LEASE_SECONDS, wait_seconds: 1 });
      if (claim.isError) continue;
      const task = (claim.structuredContent as { task: { id: string } | null }).task;
      if (task === null) {
        const summary = await call("summary", { workflow: "served" });
        const counts = (summary.structuredContent as { status_counts?: Record<string, number> } | undefined)?.status_counts;
        if (counts?.pending === 0 && counts.in_progress === 0) return;
        continue;
      }
      await call("get_task", { workflow: "served", task_id: task.id });
      for (let tries = 0; tries < 10; tries += 1) {
        const done = await call("complete_task", { workflow: "served", task_id: task.id });
        if (!done.isError || !textOf(done).startsWith("STORE_UNAVAILABLE")) break;
        const now = await call("get_task", { workflow: "served", task_id: task.id });
        if (!now.isError && (now.structuredContent as { task: { status: string } }).task.status !== "in_progress") break;
      }
    }
  });
  // A call the server never answers (it died) ends the workers: kept, to be reported after the check that it lives.
  const working = Promise.all(workers).then(
    () => null,
    (error: unknown) => error,
  );
  void working.finally(() => (finished = true));
  await keepTerminating(terminator, hunter, () => finished, 30_000);
  const lost = await working;

  expect(alive(), `the server died:\n${server.stderr()}`).toBe(true);
  expect(lost).toBeNull();
  expect(terminator.ended.inTransaction + terminator.ended.running + terminator.ended.all, JSON.stringify(terminator.ended)).toBeGreaterThan(3);
  for (const { tool, result } of results) {
    if (!result.isError) continue;
    const text = textOf(result);
    // Refusals of the domain are possible only for a completion whose lease ran out meanwhile.
    if (!text.startsWith("STORE_UNAVAILABLE: ")) expect(tool, text).toBe("complete_task");
    expect(text, tool).toMatch(/^(STORE_UNAVAILABLE|CLAIM_SUPERSEDED|TASK_NOT_IN_PROGRESS|NOT_CLAIM_HOLDER): /);
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toMatch(RAW);
    if (tool === "get_task" || tool === "summary") expect(text).not.toContain(MAYBE);
  }

  // And it serves on: each task claimed by one agent at a time and completed once, and a new task goes through as usual.
  const summary = ok<{ status_counts: Record<string, number> }>(await server.call("summary", { workflow: "served" }));
  expect(summary.status_counts).toMatchObject({ pending: 0, in_progress: 0, completed: SERVER_TASKS });
  const tm = observer(schema, "served");
  for (const task of await allTasks(tm)) expectOneHolderAtATime(task);
  // A wait opens the LISTEN connection; dropped, it is opened again, and a task created elsewhere
  // wakes the waiter through NOTIFY, long before the 10 s safety re-check.
  const waiting = server.call("get_next_task", { workflow: "served", task_types: ["after"], wait_seconds: 20 });
  await terminator.dropListener();
  const createdAt = Date.now();
  const created = await tm.createTask({ type: "after" });
  const claimed = ok<{ task: { id: string } | null }>(await waiting).task;
  expect(Date.now() - createdAt).toBeLessThan(3_000);
  expect(claimed?.id).toBe(created);
  expect(ok<{ task: { status: string } }>(await server.call("complete_task", { workflow: "served", task_id: created })).task.status).toBe("completed");
  expect(alive()).toBe(true);
});
