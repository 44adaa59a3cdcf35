/**
 * What the PostgreSQL store promises beyond the conformance suite (which runs every
 * behavioural test of the core on it, see test/helpers/stores.ts): its schema is made
 * once however many processes start together, a database it cannot reach is named
 * without its password, a dropped connection is retried (the start-up migration's too),
 * a waiting agent is woken by a task created by another process, its connections are
 * named for its schema, and times come from the database's clock.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore, TaskManager } from "../../src/index.js";
import { MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { claimSecretDigest } from "../../src/core/claim-token.js";
import { nextClaimTime } from "../../src/core/claim-timing.js";
import { ManualClock, codeOf } from "../helpers/coordination.js";
import { exportedState } from "../helpers/stores.js";
import { repoRoot } from "../helpers/paths.js";
import { TEST_DATABASE_URL, dumpWorkflow, freshSchema, testSchema, withClient } from "../helpers/postgres.js";
import { has } from "../helpers/requirements.js";

const run = promisify(execFile);
const agentScript = join(repoRoot, "test", "fixtures", "pg-agent.mjs");

const opened: TaskManager[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tm) => tm.close()));
});

let workflows = 0;
function open(options: { schema?: string; workflow?: string; url?: string } = {}): TaskManager {
  workflows += 1;
  const store = new PostgresStore({ url: options.url ?? TEST_DATABASE_URL, schema: options.schema ?? testSchema(), workflow: options.workflow ?? `w${workflows}` });
  const tm = new TaskManager({ store });
  opened.push(tm);
  return tm;
}

/** Runs test/fixtures/pg-agent.mjs in a process of its own, as an agent on another machine. */
async function otherMachine(schema: string, workflow: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [agentScript, TEST_DATABASE_URL, schema, workflow, ...args], { env: { ...process.env, ...env } });
  return stdout.trim();
}

describe.skipIf(!has("postgres"))("PostgresStore", () => {
  it("creates its schema once when several processes' stores start together, and records the migration", async () => {
    const schema = freshSchema();
    // Separate URLs (a different application_name) so that each store has a pool of its own, as separate processes would.
    const managers = Array.from({ length: 5 }, (_, i) => open({ schema, url: `${TEST_DATABASE_URL}?application_name=starter${i}`, workflow: "shared" }));
    const ids = await Promise.all(managers.map((tm, i) => tm.createTask({ type: "start", data: { i } })));
    expect(new Set(ids).size).toBe(5);
    const migrations = await withClient(async (client) => (await client.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows);
    expect(migrations).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    expect((await managers[0]?.getStatusSummary())?.total_tasks).toBe(5);
  });

  it("upgrades a schema of the first version with a claim under way, which its holder then finishes by name", async () => {
    const schema = freshSchema();
    const before = open({ schema, workflow: "upgraded", url: `${TEST_DATABASE_URL}?application_name=before` });
    const id = await before.createTask({ type: "t" });
    expect((await before.getNextTask({ agentId: "old-agent" }))?.id).toBe(id);
    // Back to the first version's schema: the claim's row as that version's claim statement left it.
    await withClient(async (client) => {
      await client.query(`ALTER TABLE "${schema}".tasks DROP COLUMN claim_token_sha256`);
      await client.query(`ALTER TABLE "${schema}".tasks DROP COLUMN has_paths`); // and its index
      await client.query(`ALTER TABLE "${schema}".workflows DROP COLUMN uses_paths`);
      await client.query(`ALTER TABLE "${schema}".workflows DROP COLUMN paths_epoch`);
      await client.query(`ALTER TABLE "${schema}".tasks DROP COLUMN claim_session_sha256`);
      await client.query(`DELETE FROM "${schema}".schema_migrations WHERE version > 1`);
    });
    const after = open({ schema, workflow: "upgraded", url: `${TEST_DATABASE_URL}?application_name=after` });
    expect(await after.getTask(id)).toMatchObject({ status: "in_progress", locked_by: "old-agent" });
    expect(await codeOf(after.completeTask({ taskId: id, agentId: "someone-else" }))).toBe("NOT_CLAIM_HOLDER");
    expect((await after.completeTask({ taskId: id, agentId: "old-agent" })).status).toBe("completed");
    const migrations = await withClient(async (client) => (await client.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows);
    expect(migrations).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
  });

  it("refuses at start-up with STORE_UNAVAILABLE naming the URL without its password", async () => {
    const store = new PostgresStore({ url: "postgres://agent:hunter2@127.0.0.1:1/tasks", workflow: "w" });
    try {
      const error = await store.ready().then(
        () => null,
        (caught: unknown) => caught as Error & { code?: string },
      );
      expect(error?.code).toBe("STORE_UNAVAILABLE");
      expect(error?.message).toContain("postgres://agent@127.0.0.1:1/tasks");
      expect(error?.message).not.toContain("hunter2");
      // And an operation says the same, instead of hanging or failing obscurely.
      expect(await codeOf(new TaskManager({ store }).createTask({ type: "a" }))).toBe("STORE_UNAVAILABLE");
    } finally {
      await store.close();
    }
  });

  it("runs an operation again on a fresh connection when the database dropped its connections", async () => {
    // A name of this test's own: the same file may run in another process against the same database.
    const tag = `dropped_${process.pid}_${workflows}`;
    const tm = open({ url: `${TEST_DATABASE_URL}?application_name=${tag}` });
    const id = await tm.createTask({ type: "job" });
    // The server ends every connection of this store, as a restart or a network cut would.
    const ended = await withClient(async (client) => (await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [tag])).rowCount);
    expect(ended).toBeGreaterThan(0);
    // pg_terminate_backend only signals: wait until the backends are gone, so that the store
    // finds its connection dropped, rather than losing it in the middle of the next change
    // (which it rightly reports as maybe applied instead of running it again).
    const gone = async () => (await withClient((client) => client.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [tag]))).rowCount === 0;
    for (const deadline = Date.now() + 5_000; !(await gone()); ) {
      if (Date.now() > deadline) throw new Error("the terminated backends are still there after 5 s");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const task = await tm.getNextTask({ agentId: "a" });
    expect(task?.id).toBe(id);
    expect((await tm.completeTask({ taskId: id, agentId: "a", claimToken: task?.claim_token })).status).toBe("completed");
  });

  it("migrates again on a fresh connection when the connection is dropped while the start-up migration holds its lock", async () => {
    const schema = freshSchema();
    const tag = `migrating_${process.pid}_${workflows}`;
    // Another transaction creating the same schema, not committed yet: the migration, once it holds its advisory lock, waits for it.
    const blocker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query(`CREATE SCHEMA "${schema}"`);
      const tm = open({ schema, url: `${TEST_DATABASE_URL}?application_name=${tag}` });
      const creating = tm.createTask({ type: "first" }).then(
        (id) => ({ id }),
        (error: unknown) => ({ error }),
      );
      const migrating = async () =>
        withClient(async (client) =>
          (
            await client.query<{ pid: number }>(
              `SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
               WHERE a.application_name = $1 AND a.wait_event_type = 'Lock' AND l.locktype = 'advisory' AND l.granted`,
              [tag],
            )
          ).rows,
        );
      let holders: { pid: number }[] = [];
      for (const deadline = Date.now() + 10_000; holders.length === 0; holders = await migrating()) {
        if (Date.now() > deadline) throw new Error("no migration holding its lock within 10 s");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const [holder] = holders as [{ pid: number }];
      await withClient((client) => client.query("SELECT pg_terminate_backend($1)", [holder.pid]));
      const gone = async () => (await withClient((client) => client.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [holder.pid]))).rowCount === 0;
      for (const deadline = Date.now() + 5_000; !(await gone()); ) {
        if (Date.now() > deadline) throw new Error("the terminated migration is still there after 5 s");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await blocker.query("ROLLBACK");
      const outcome = await creating;
      expect(outcome, String((outcome as { error?: unknown }).error)).toHaveProperty("id");
      expect(await tm.getTask((outcome as { id: string }).id)).toMatchObject({ type: "first", status: "pending" });
      const migrations = await withClient(async (client) => (await client.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows);
      expect(migrations).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    } finally {
      await blocker.end();
    }
  });

  it("wakes a waiting agent when another process creates a task, through LISTEN/NOTIFY", async () => {
    const schema = testSchema();
    const tm = open({ workflow: "wakeup" });
    await tm.createTask({ type: "warm-up" });
    const warmUp = await tm.getNextTask({ agentId: "waiter" });
    await tm.completeTask({ taskId: warmUp?.id ?? "", agentId: "waiter", claimToken: warmUp?.claim_token });
    const waiting = tm.getNextTask({ agentId: "waiter", waitMs: 30_000 });
    const created = await otherMachine(schema, "wakeup", ["create", "job"]);
    // Long before the 30 s run out (and the listener's 10 s safety re-check): the notification woke it.
    const task = await waiting;
    expect(task?.id).toBe(created);
    expect(task?.locked_by).toBe("waiter");
  });

  it("reckons leases on the database's clock, so a machine whose clock is an hour fast writes the same deadlines", async () => {
    const schema = testSchema();
    const tm = open({ workflow: "skew" });
    const id = await tm.createTask({ type: "job" });
    const before = Date.now();
    const claimed = JSON.parse(await otherMachine(schema, "skew", ["claim", "60"], { TM_CLOCK_SKEW_MS: String(3_600_000) })) as { id: string; lease_expires_at: string; locked_at: string };
    const after = Date.now();
    expect(claimed.id).toBe(id);
    // Within the few seconds the process took, not an hour ahead.
    const lockedAt = Date.parse(claimed.locked_at);
    expect(lockedAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(lockedAt).toBeLessThanOrEqual(after + 1_000);
    expect(Date.parse(claimed.lease_expires_at) - lockedAt).toBe(60_000);
    // So here, with a right clock, the lease is still held: nobody else may take the task.
    expect(await tm.getNextTask({ agentId: "other" })).toBeNull();
  });

  it("lists the workflows of its schema through Workflows with store postgres", async () => {
    const schema = freshSchema();
    const { Workflows } = await import("../../src/index.js");
    const all = new Workflows({ stateDir: ".", store: "postgres", databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
    try {
      await all.get("beta").createTask({ type: "b" });
      await all.get("alpha").createTask({ type: "a" });
      expect(await all.list()).toEqual(["alpha", "beta"]);
      expect(await all.exists("alpha")).toBe(true);
      expect(await all.exists("gamma")).toBe(false);
      expect(all.locationOf("alpha")).toBe(`postgres://postgres@127.0.0.1:5432/test#${schema}/alpha`);
    } finally {
      await all.close();
    }
  });
});

describe.skipIf(!has("postgres"))("PostgresStore's connections", () => {
  it("are named for the package and the schema, so that an administrator (or a test) can tell whose they are", async () => {
    const schema = testSchema();
    const tm = open({ workflow: "named" });
    await tm.createTask({ type: "job" });
    const names = await withClient(async (client) =>
      (await client.query<{ name: string }>("SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE application_name LIKE $1", [`%${schema}%`])).rows.map((row) => row.name),
    );
    expect(names).toEqual([`task-manager-mcp ${schema}`]);
  });

  it("keep the application_name the URL gives", async () => {
    const tag = `named_${process.pid}_${workflows}`;
    const tm = open({ workflow: "named", url: `${TEST_DATABASE_URL}?application_name=${tag}` });
    await tm.createTask({ type: "job" });
    const { rowCount } = await withClient((client) => client.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [tag]));
    expect(rowCount).toBeGreaterThan(0);
  });
});

describe.skipIf(!has("postgres"))("PostgresStore's LISTEN connection", () => {
  it("is opened again after the database drops it, and a waiter is then woken by a create elsewhere", async () => {
    const schema = testSchema();
    const tm = open({ workflow: "relisten" });
    await tm.createTask({ type: "warm-up" });
    const warmUp = await tm.getNextTask({ agentId: "waiter" });
    await tm.completeTask({ taskId: warmUp?.id ?? "", agentId: "waiter", claimToken: warmUp?.claim_token });
    // Shorter than the listener's 10 s safety re-check: only a notification can wake it in time.
    const waiting = tm.getNextTask({ agentId: "waiter", waitMs: 8_000 });
    // Only this process's listener, named for this file's schema: other test files share the database, and theirs are left alone.
    const mine = "application_name = $1 AND query LIKE 'LISTEN%'";
    const name = `task-manager-mcp ${schema}`;
    const listening = async () => withClient(async (client) => (await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE ${mine}`, [name])).rows);
    let before: { pid: number }[] = [];
    for (let i = 0; i < 100 && before.length === 0; i += 1) {
      before = await listening();
      if (before.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(before.length).toBe(1);
    await withClient((client) => client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${mine}`, [name]));
    // Listening again, on a new connection.
    let after: { pid: number }[] = [];
    for (let i = 0; i < 200; i += 1) {
      after = (await listening()).filter((row) => !before.some((old) => old.pid === row.pid));
      if (after.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(after.length).toBeGreaterThan(0);
    const created = await otherMachine(schema, "relisten", ["create", "job"]);
    expect((await waiting)?.id).toBe(created);
  });
});

describe.skipIf(!has("postgres"))("PostgresStore with paths", () => {
  /** A store with a pool of its own (its own application_name), as another process's would be. */
  function process_(schema: string, workflow: string, name: string): TaskManager {
    return open({ schema, workflow, url: `${TEST_DATABASE_URL}?application_name=${name}` });
  }

  it("migrates a schema of the second version, keeping its tasks and finding those that declare paths", async () => {
    const schema = freshSchema();
    const before = process_(schema, "upgraded", "paths_before");
    const [first, second, plain] = await before.createTasks([
      { type: "t", paths: ["a.ts"], priority: 5 },
      { type: "t", paths: ["a.ts"], priority: 5 },
      { type: "t", data: { note: "no paths" } },
    ]);
    // Back to the second version's schema, as if these rows had been written by it.
    await withClient(async (client) => {
      await client.query(`ALTER TABLE "${schema}".tasks DROP COLUMN has_paths`);
      await client.query(`ALTER TABLE "${schema}".workflows DROP COLUMN uses_paths`);
      await client.query(`ALTER TABLE "${schema}".workflows DROP COLUMN paths_epoch`);
      await client.query(`ALTER TABLE "${schema}".tasks DROP COLUMN claim_session_sha256`);
      await client.query(`DELETE FROM "${schema}".schema_migrations WHERE version > 2`);
    });
    const after = process_(schema, "upgraded", "paths_after");
    expect((await after.listTasks()).tasks.map((task) => task.id)).toEqual([first?.id, second?.id, plain?.id]);
    expect((await after.getNextTask({ agentId: "alice" }))?.id).toBe(first?.id);
    expect((await after.getNextTask({ agentId: "bob" }))?.id).toBe(plain?.id); // second overlaps alice's a.ts
    expect(await after.getNextTask({ agentId: "carol" })).toBeNull();
    const rows = await withClient(async (client) => (await client.query(`SELECT id, has_paths FROM "${schema}".tasks ORDER BY seq`)).rows);
    expect(rows).toEqual([
      { id: first?.id, has_paths: true },
      { id: second?.id, has_paths: true },
      { id: plain?.id, has_paths: false },
    ]);
    const migrations = await withClient(async (client) => (await client.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows);
    expect(migrations).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
  });

  it("a reservation made through one process blocks a claim through another that had claimed by the fast path before", async () => {
    const schema = freshSchema();
    const one = process_(schema, "shared", "paths_one");
    const two = process_(schema, "shared", "paths_two");
    // Two knows the workflow as one without paths: its claims so far were the one statement.
    await two.createTask({ type: "warm-up" });
    expect(await two.getNextTask({ agentId: "bob" })).not.toBeNull();
    expect((await one.reservePaths({ agentId: "alice", paths: ["src/**"] })).granted).toBe(true);
    const blocked = await two.createTask({ type: "t", paths: ["src/x.ts"] });
    expect(await two.getNextTask({ agentId: "bob" })).toBeNull();
    expect((await two.getStatusSummary()).pending_counts).toMatchObject({ ready: 0, conflicting: 1 });
    expect((await two.listReservations()).map((r) => [r.path, r.held_by])).toEqual([["src/**", "alice"]]);
    expect((await two.reservePaths({ agentId: "bob", paths: ["src/y.ts"], exclusive: false })).conflicts).toHaveLength(1);
    expect(await one.releasePaths({ agentId: "alice" })).toEqual({ released: ["src/**"] });
    const claimed = await two.getNextTask({ agentId: "bob" });
    expect(claimed?.id).toBe(blocked);
    // Its holder finishes it through the same process (the fast path) and the other sees it done.
    expect((await two.completeTask({ taskId: blocked, agentId: "bob", claimToken: claimed?.claim_token })).status).toBe("completed");
    expect((await one.getTask(blocked))?.status).toBe("completed");
  });

  it("never hands out overlapping tasks to claims racing from two processes", async () => {
    const schema = freshSchema();
    const one = process_(schema, "race", "paths_race_one");
    const two = process_(schema, "race", "paths_race_two");
    // Of four types: claims asking for different types look at different tasks first, so only the lock keeps them apart.
    await one.createTasks(Array.from({ length: 20 }, (_, i) => ({ type: `t${i % 4}`, paths: ["shared/file.ts"], data: { i } })));
    for (let round = 0; round < 3; round += 1) {
      const claims = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => one.getNextTask({ agentId: `one-${round}-${i}`, taskTypes: [`t${i}`] })),
        ...Array.from({ length: 4 }, (_, i) => two.getNextTask({ agentId: `two-${round}-${i}`, taskTypes: [`t${3 - i}`] })),
      ]);
      const won = claims.filter((claim) => claim !== null);
      expect(won).toHaveLength(1);
      expect((await one.getStatusSummary()).status_counts.in_progress).toBe(1);
      const [winner] = won;
      const holder = winner?.locked_by?.startsWith("one") === true ? one : two;
      await holder.completeTask({ taskId: winner?.id ?? "", agentId: winner?.locked_by ?? "", claimToken: winner?.claim_token });
    }
    expect((await two.getStatusSummary()).status_counts).toMatchObject({ completed: 3, in_progress: 0, pending: 17 });
  });

  it("gives one of two optimistic claims racing from two stores on tasks that share a path", async () => {
    const schema = freshSchema();
    const one = process_(schema, "optimistic", "paths_opt_one");
    const two = process_(schema, "optimistic", "paths_opt_two");
    // Different types: each claim reads its own first task, so only the paths epoch keeps the two apart.
    await one.createTasks([{ type: "warm", paths: ["warm.ts"] }, { type: "warm", paths: ["warm.ts"] }]);
    for (const tm of [one, two]) {
      const warm = await tm.getNextTask({ agentId: "warm-up", taskTypes: ["warm"] });
      await tm.completeTask({ taskId: warm?.id ?? "", agentId: "warm-up", claimToken: warm?.claim_token });
    }
    for (let round = 0; round < 30; round += 1) {
      await one.createTasks([
        { type: "a", paths: [`shared/${round}.ts`] },
        { type: "b", paths: [`shared/${round}.ts`] },
      ]);
      const claims = await Promise.all([one.getNextTask({ agentId: `one-${round}`, taskTypes: ["a"] }), two.getNextTask({ agentId: `two-${round}`, taskTypes: ["b"] })]);
      const won = claims.filter((claim) => claim !== null);
      expect({ round, won: won.length }).toEqual({ round, won: 1 });
      const [winner] = won;
      const holder = winner?.locked_by?.startsWith("one") === true ? one : two;
      await holder.completeTask({ taskId: winner?.id ?? "", agentId: winner?.locked_by ?? "", claimToken: winner?.claim_token });
      // The loser's task, free again, is taken by neither type's next claim alone: it is cancelled to leave the next round clean.
      const lost = claims.findIndex((claim) => claim === null);
      const left = (await one.listTasks({ status: "pending", type: lost === 0 ? "a" : "b" })).tasks;
      for (const task of left) await one.cancelTask({ taskId: task.id, agentId: "test" });
    }
  });

  it("makes a claim whose holds a reservation changed between its read and its write again, handing out no overlapping task", async () => {
    const schema = freshSchema();
    const claimer = process_(schema, "between", "paths_between_claim");
    const reserver = process_(schema, "between", "paths_between_reserve");
    const task = await claimer.createTask({ type: "t", paths: ["src/a.ts"] });
    await claimer.createTask({ type: "warm", paths: ["warm.ts"] });
    expect(await claimer.getNextTask({ agentId: "warm-up", taskTypes: ["warm"] })).not.toBeNull();
    expect(await reserver.listReservations()).toEqual([]); // started: its pool is open
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const waiting = async (name: string): Promise<void> => {
      for (let tries = 0; ; tries += 1) {
        const { rows } = await client.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [name]);
        if (rows.length > 0) return;
        if (tries > 200) throw new Error(`${name} never waited for the workflow's row: ${JSON.stringify((await client.query(`SELECT application_name, state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE application_name LIKE 'paths_%'`)).rows)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      // Holding the workflow's row, this connection lines up the reservation first, then the claim's write (its read is done by then).
      await client.query("BEGIN");
      await client.query(`SELECT 1 FROM "${schema}".workflows FOR UPDATE`);
      const reserved = reserver.reservePaths({ agentId: "alice", paths: ["src/**"] });
      await waiting("paths_between_reserve");
      const claimed = claimer.getNextTask({ agentId: "bob", taskTypes: ["t"] });
      await waiting("paths_between_claim");
      await client.query("ROLLBACK");
      expect((await reserved).granted).toBe(true);
      expect(await claimed).toBeNull();
      expect((await reserver.getTask(task))?.status).toBe("pending");
    } finally {
      await client.end();
    }
    // Many races of a reservation and a claim on one path: never both.
    for (let round = 0; round < 30; round += 1) {
      const id = await claimer.createTask({ type: "t", paths: [`race/${round}.ts`] });
      const [claim, reservation] = await Promise.all([
        claimer.getNextTask({ agentId: "bob", taskTypes: ["t"] }),
        reserver.reservePaths({ agentId: "alice", paths: [`race/${round}.ts`], ttlSeconds: 600 }),
      ]);
      expect({ round, both: claim !== null && reservation.granted }).toEqual({ round, both: false });
      if (claim !== null) await claimer.completeTask({ taskId: claim.id, agentId: "bob", claimToken: claim.claim_token });
      else await claimer.cancelTask({ taskId: id, agentId: "test" });
    }
  });

  it("grants one of two overlapping exclusive reservations racing from two processes", async () => {
    const schema = freshSchema();
    const one = process_(schema, "reserve-race", "paths_reserve_one");
    const two = process_(schema, "reserve-race", "paths_reserve_two");
    for (let round = 0; round < 5; round += 1) {
      const results = await Promise.all([
        one.reservePaths({ agentId: `a${round}`, paths: ["lib/**"], ttlSeconds: 60 }),
        two.reservePaths({ agentId: `b${round}`, paths: ["lib/x.ts"], ttlSeconds: 60 }),
        one.reservePaths({ agentId: `c${round}`, paths: ["lib/y.ts"], ttlSeconds: 60 }),
      ]);
      // lib/x.ts and lib/y.ts overlap lib/** but not each other: either lib/** alone, or both of them.
      const paths = results.flatMap((result) => result.reservations.map((r) => r.path)).sort();
      expect([["lib/**"], ["lib/x.ts", "lib/y.ts"]]).toContainEqual(paths);
      expect((await two.listReservations()).map((r) => r.path).sort()).toEqual(paths);
      await one.releasePaths({ agentId: `a${round}` });
      await two.releasePaths({ agentId: `b${round}` });
      await one.releasePaths({ agentId: `c${round}` });
    }
  });

  it("tells when a holder's claim may succeed as the core does over the same state, for each kind of hold in the way", async () => {
    const clock = new ManualClock();
    const store = new PostgresStore({ url: TEST_DATABASE_URL, schema: freshSchema(), workflow: "timing" });
    const tm = new TaskManager({ store, clock: clock.now });
    opened.push(tm);
    const sessions = { alice: "alice-session-secret-1", bob: "bob-session-secret-22", carol: "carol-session-secret-3" };
    await tm.createTask({ type: "t", paths: ["a.ts"] });
    await tm.createTask({ type: "t", paths: ["a.ts"] }); // behind alice's task in progress until its lease ends
    expect(await tm.getNextTask({ agentId: "alice", session: sessions.alice, leaseSeconds: 60 })).not.toBeNull();
    await tm.reservePaths({ agentId: "carol", session: sessions.carol, paths: ["b.ts"], ttlSeconds: 30 });
    await tm.createTask({ type: "u", paths: ["b.ts"] }); // behind carol's reservation until it expires
    await tm.createTask({ type: "u", paths: ["c.ts"], delaySeconds: 100 }); // scheduled
    await tm.createTask({ type: "v", paths: ["b.ts", "a.ts"] }); // behind both
    await tm.reservePaths({ agentId: "carol", session: sessions.carol, paths: ["e.ts"], ttlSeconds: 20, exclusive: false });
    await tm.createTask({ type: "w", paths: ["e.ts"] }); // a shared reservation keeps no claim back
    clock.advance(5);
    const state = await exportedState(tm);
    if (state === null) throw new Error("nothing exported");
    for (const [agentId, session] of Object.entries(sessions)) {
      for (const taskTypes of [["t"], ["u"], ["v"], ["w"], ["u", "v"], undefined]) {
        const query = { taskTypes, now: clock.now(), staleAfterMs: 3_600_000, holder: { agentId, sessionDigest: claimSecretDigest(session) } };
        const expected = nextClaimTime(state, query);
        expect({ agentId, taskTypes, at: (await store.nextClaimTime(query))?.toISOString() }).toEqual({ agentId, taskTypes, at: expected?.toISOString() });
      }
    }
  });

  it("creates no workflow for a release or a list of reservations in one that does not exist", async () => {
    const schema = freshSchema();
    const tm = open({ schema, workflow: "never" });
    expect(await tm.releasePaths({ agentId: "a" })).toEqual({ released: [] });
    expect(await tm.listReservations()).toEqual([]);
    expect(await dumpWorkflow(schema, "never")).toBeNull();
  });

  it("carries reservations through export and import, with the holder's session", async () => {
    const schema = freshSchema();
    const from = new PostgresStore({ url: TEST_DATABASE_URL, schema, workflow: "from" });
    const to = new PostgresStore({ url: TEST_DATABASE_URL, schema, workflow: "to" });
    const source = new TaskManager({ store: from });
    const target = new TaskManager({ store: to });
    opened.push(source, target);
    await source.reservePaths({ agentId: "alice", session: "alice-session-secret-1", paths: ["docs/**"], ttlSeconds: 600 });
    await source.createTask({ type: "t", paths: ["docs/a.md"] });
    const exported = await from.exportWorkflow();
    if (exported === null) throw new Error("nothing exported");
    const tasks: [string, import("../../src/core/schema.js").StoredTask][] = [];
    for await (const entry of exported.tasks) tasks.push(entry);
    expect(await to.importWorkflow({ header: exported.header, tasks }, () => new Date())).toBe(1);
    expect((await target.listReservations()).map((r) => r.path)).toEqual(["docs/**"]);
    expect(await target.getNextTask({ agentId: "bob" })).toBeNull();
    expect(await target.getNextTask({ agentId: "alice", session: "alice-session-secret-1" })).not.toBeNull();
  });

  it("keeps the claim of a workflow without paths off the workflow's row lock, and a workflow with paths under it", async () => {
    const schema = freshSchema();
    const plain = process_(schema, "plain", "paths_lock_plain");
    const pathy = process_(schema, "pathy", "paths_lock_pathy");
    await plain.createTask({ type: "t" });
    await pathy.createTask({ type: "t", paths: ["a.ts"] });
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT 1 FROM "${schema}".workflows FOR UPDATE`);
      expect(await plain.getNextTask({ agentId: "a" })).not.toBeNull();
      let claimed = false;
      const waiting = pathy.getNextTask({ agentId: "a" }).then((task) => {
        claimed = true;
        return task;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(claimed).toBe(false);
      await client.query("ROLLBACK");
      expect(await waiting).not.toBeNull();
    } finally {
      await client.end();
    }
  });
});
