/**
 * The PostgreSQL store's failures, each provoked for real: every one reaches the caller
 * as a TaskManagerError with a documented code, a message in words a person can act on
 * (no errno, no driver text, never the password), the original error kept as its cause,
 * and a truthful word on whether the call may have been applied.
 */
import { createServer, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore, TaskManager, TaskManagerError } from "../../src/index.js";
import { MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { TEST_DATABASE_URL, freshSchema, withClient } from "../helpers/postgres.js";
import { has } from "../helpers/requirements.js";

/** What the driver or the operating system says, which must not reach a message. */
const RAW = /\bE(CONN[A-Z]+|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|NOTFOUND|AI_[A-Z]+)\b|Connection terminated|terminating connection|not queryable|getaddrinfo|" does not exist|deadlock detected|SQLSTATE [0-9A-Z]{5}: /;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function urlWith(changes: { user?: string; password?: string; host?: string; port?: number; database?: string; params?: Record<string, string> }): string {
  const url = new URL(TEST_DATABASE_URL);
  if (changes.user !== undefined) url.username = changes.user;
  if (changes.password !== undefined) url.password = changes.password;
  if (changes.host !== undefined) url.hostname = changes.host;
  if (changes.port !== undefined) url.port = String(changes.port);
  if (changes.database !== undefined) url.pathname = `/${changes.database}`;
  for (const [name, value] of Object.entries(changes.params ?? {})) url.searchParams.set(name, value);
  return url.toString();
}

/** The URL as a message shows it: without its password. */
function shown(url: string): string {
  const parsed = new URL(url);
  parsed.password = "";
  return parsed.toString();
}

/** A TCP server on the loopback that is not PostgreSQL: it ends each connection at once, or never answers. */
async function fakeServer(behaviour: "hang up" | "say nothing"): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (behaviour === "hang up") socket.destroy();
    else sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

async function failureOf(promise: Promise<unknown>): Promise<TaskManagerError & { cause?: unknown }> {
  const outcome = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  expect(outcome, "the call succeeded").not.toBeNull();
  expect(outcome, String(outcome)).toBeInstanceOf(TaskManagerError);
  return outcome as TaskManagerError;
}

describe.skipIf(!has("postgres"))("a PostgreSQL store that cannot start says why in words, naming the URL without its password", () => {
  const cases: { name: string; url: () => Promise<string>; reason: string; cause: (error: unknown) => void }[] = [
    {
      name: "nothing listens on the port",
      url: async () => urlWith({ user: "agent", password: "hunter2", port: 1 }),
      reason: "connection refused — is the server running and listening there?",
      cause: (error) => expect((error as { code?: string }).code).toBe("ECONNREFUSED"),
    },
    {
      name: "the host name does not resolve",
      url: async () => urlWith({ user: "agent", password: "hunter2", host: "no-such-host.invalid" }),
      reason: "host not found — check the host name in the URL",
      cause: (error) => expect(["ENOTFOUND", "EAI_AGAIN"]).toContain((error as { code?: string }).code),
    },
    {
      name: "the database does not exist",
      url: async () => urlWith({ password: "hunter2", database: "tm_no_such_database" }),
      reason: "database does not exist — create it, or correct the database name in the URL",
      cause: (error) => expect((error as { code?: string }).code).toBe("3D000"),
    },
    {
      name: "the server does not accept the user",
      url: async () => urlWith({ user: "tm_no_such_role", password: "hunter2" }),
      reason: "authentication failed — check the user and password in the URL, and that the server's pg_hba.conf lets this user connect from here",
      cause: (error) => expect((error as { code?: string }).code).toBe("28000"),
    },
    {
      name: "the server accepts no writes",
      url: async () => urlWith({ password: "hunter2", params: { options: "-c default_transaction_read_only=on" } }),
      reason: "the server accepts no writes — is it a standby? Point the URL at the primary",
      cause: (error) => expect((error as { code?: string }).code).toBe("25006"),
    },
    {
      name: "what listens hangs up at once",
      url: async () => urlWith({ user: "agent", password: "hunter2", port: await fakeServer("hang up") }),
      reason: "the server ended the connection — is it restarting, or is that port not PostgreSQL's?",
      cause: (error) => expect(error).toBeInstanceOf(Error),
    },
  ];

  it.each(cases)("$name", async ({ url: makeUrl, reason, cause }) => {
    const url = await makeUrl();
    const store = new PostgresStore({ url, workflow: "w" });
    cleanups.push(() => store.close());
    const error = await failureOf(store.ready());
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toBe(`Cannot use PostgreSQL at ${shown(url)} (schema task_manager): ${reason}`);
    expect(error.message).not.toMatch(RAW);
    expect(error.message).not.toContain("hunter2");
    cause(error.cause);
    // A call says the same, instead of hanging or failing obscurely.
    const call = await failureOf(new TaskManager({ store }).createTask({ type: "a" }));
    expect(call.message).toBe(error.message);
  });

  it("a schema migrated by a newer version of the package", async () => {
    const schema = freshSchema();
    const current = new PostgresStore({ url: TEST_DATABASE_URL, schema, workflow: "w" });
    await current.ready();
    await current.close();
    await withClient((client) => client.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'from the future')`));
    const url = urlWith({ params: { application_name: "newer" } });
    const store = new PostgresStore({ url, schema, workflow: "w" });
    cleanups.push(() => store.close());
    const error = await failureOf(store.ready());
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toBe(
      `Cannot use PostgreSQL at ${shown(url)} (schema ${schema}): it was migrated by a newer version of task-manager-mcp (migration 999, this one knows ${MIGRATIONS.length}) — upgrade to use it`,
    );
  });

  it("a server that accepts the connection and never answers: timed out", async () => {
    const url = urlWith({ user: "agent", password: "hunter2", port: await fakeServer("say nothing") });
    const store = new PostgresStore({ url, workflow: "w" });
    cleanups.push(() => store.close());
    const error = await failureOf(store.ready());
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toBe(`Cannot use PostgreSQL at ${shown(url)} (schema task_manager): timed out — is the host reachable, and is that port PostgreSQL's?`);
    expect(error.cause).toBeInstanceOf(Error);
  }, 30_000);
});

/** The test database's URL, its connections marked with a name of their own, and PostgreSQL settings for them. */
function taggedUrl(settings: string[] = []): { url: string; tag: string } {
  const tag = `tm_errors_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const params: Record<string, string> = { application_name: tag };
  if (settings.length > 0) params["options"] = settings.map((setting) => `-c ${setting}`).join(" ");
  return { url: urlWith({ params }), tag };
}

async function connected(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); ) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!has("postgres"))("a PostgreSQL store at work", () => {
  it("whose connection is lost while its write waits says, in words, that the write may or may not have been applied", async () => {
    const schema = freshSchema();
    const { url, tag } = taggedUrl();
    const tm = new TaskManager({ store: new PostgresStore({ url, schema, workflow: "lost" }) });
    cleanups.push(() => tm.close());
    const id = await tm.createTask({ type: "job" });
    const claim = await tm.getNextTask({ agentId: "a" });
    // The task's row locked elsewhere: the completion's UPDATE waits for it, and is then terminated.
    const locker = await connected();
    await locker.query("BEGIN");
    await locker.query(`SELECT 1 FROM "${schema}".tasks WHERE id = $1 FOR UPDATE`, [id]);
    const completing = failureOf(tm.completeTask({ taskId: id, agentId: "a", claimToken: claim?.claim_token }));
    const watcher = await connected();
    const waiting = async () => (await watcher.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [tag])).rowCount === 1;
    await waitUntil(waiting, "completion waiting for the row");
    await watcher.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [tag]);
    const error = await completing;
    await locker.query("ROLLBACK");
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toBe(
      `Lost the connection to PostgreSQL at ${shown(url)} (the server ended the connection); it may or may not have been applied (check with get_task).`,
    );
    expect((error.cause as { code?: string }).code).toBe("57P01");
  });

  it("whose write the server cancels (statement_timeout) says so in words, and that nothing was changed", async () => {
    const schema = freshSchema();
    const { url } = taggedUrl(["statement_timeout=300"]);
    const tm = new TaskManager({ store: new PostgresStore({ url, schema, workflow: "cancelled" }) });
    cleanups.push(() => tm.close());
    const id = await tm.createTask({ type: "job" });
    const claim = await tm.getNextTask({ agentId: "a" });
    const locker = await connected();
    await locker.query("BEGIN");
    await locker.query(`SELECT 1 FROM "${schema}".tasks WHERE id = $1 FOR UPDATE`, [id]);
    const error = await failureOf(tm.completeTask({ taskId: id, agentId: "a", claimToken: claim?.claim_token }));
    await locker.query("ROLLBACK");
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toBe(
      `PostgreSQL at ${shown(url)} could not carry out this call (a statement was cancelled — by statement_timeout, or by an administrator); nothing was changed.`,
    );
    expect((error.cause as { code?: string }).code).toBe("57014");
    expect(await tm.getTask(id)).toMatchObject({ status: "in_progress", locked_by: "a" });
  });

  it("whose change deadlocks with another transaction every time it is tried gives up with LOCK_TIMEOUT, saying that nothing was changed", async () => {
    const schema = freshSchema();
    // The store's sessions detect a deadlock after 100 ms instead of 1 s: the test is quicker, and the store is the one that gives way.
    const { url, tag } = taggedUrl(["deadlock_timeout=100"]);
    const tm = new TaskManager({ store: new PostgresStore({ url, schema, workflow: "deadlocks" }) });
    cleanups.push(() => tm.close());
    const first = await tm.createTask({ type: "first" });
    const dependent = await tm.createTask({ type: "then", dependsOn: [first] });
    const claim = await tm.getNextTask({ agentId: "a" });
    expect(claim?.id).toBe(first);

    // Completing `first` updates its row, then counts down `dependent`'s unmet dependencies. Another transaction
    // holds `dependent` throughout, and each time the completion waits for it, asks for `first`: a deadlock, which
    // the store's session detects (this one would wait a minute before looking) and is rolled back for.
    const other = await connected();
    await other.query("BEGIN");
    await other.query("SET LOCAL deadlock_timeout = '1min'");
    await other.query(`SELECT 1 FROM "${schema}".tasks WHERE id = $1 FOR UPDATE`, [dependent]);
    let settled = false;
    const completing = failureOf(tm.completeTask({ taskId: first, agentId: "a", claimToken: claim?.claim_token })).finally(() => (settled = true));
    const watcher = await connected();
    const waiting = async () => settled || (await watcher.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [tag])).rowCount === 1;
    let rounds = 0;
    for (;;) {
      await waitUntil(waiting, "completion waiting for a lock");
      if (settled) break;
      await other.query("SAVEPOINT round");
      await other.query(`SELECT 1 FROM "${schema}".tasks WHERE id = $1 FOR UPDATE`, [first]);
      await other.query("ROLLBACK TO SAVEPOINT round"); // lets go of `first` again, keeping `dependent`
      rounds += 1;
    }
    const error = await completing;
    await other.query("ROLLBACK");

    expect(rounds).toBeGreaterThanOrEqual(2);
    expect((error.cause as { code?: string }).code).toBe("40P01");
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message.replace(/tried \d+ times/, "tried N times")).toBe(
      `Could not carry out this call in PostgreSQL at ${shown(url)}: other changes to the same tasks kept conflicting with it (the last time: a deadlock; tried N times); nothing was changed, try again.`,
    );
    expect(error.message).not.toMatch(RAW);
    // Truthfully: nothing was changed, and trying again, once the other transaction is gone, succeeds.
    expect(await tm.getTask(first)).toMatchObject({ status: "in_progress", locked_by: "a" });
    expect((await tm.getTask(dependent))?.status).toBe("pending");
    expect((await tm.completeTask({ taskId: first, agentId: "a", claimToken: claim?.claim_token })).status).toBe("completed");
    expect((await tm.getNextTask({ agentId: "a" }))?.id).toBe(dependent);
  });
});
