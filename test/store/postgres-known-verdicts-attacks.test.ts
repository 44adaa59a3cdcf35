/**
 * Attacks on the PostgreSQL store's claim among paths on known verdicts
 * (postgres/known-verdicts.ts, statements.ts pathsClaimOnKnown): each test changes something the
 * verdicts, the statement or its error handling must notice, and states what the store
 * should do. A claim made by the one statement leaves its row's claim_* columns set; one
 * made after a read leaves them empty (see postgres-known-verdicts.test.ts).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore, TaskManager, type ClaimedTask, type GetNextTaskInput, type Task } from "../../src/index.js";
import { codeOf } from "../helpers/coordination.js";
import { TEST_DATABASE_URL, freshSchema, withClient } from "../helpers/postgres.js";
import { has } from "../helpers/requirements.js";

const opened: TaskManager[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => {})));
  await Promise.all(opened.splice(0).map((tm) => tm.close()));
});

function process_(schema: string, name: string, workflow = "attacks"): TaskManager {
  const store = new PostgresStore({ url: `${TEST_DATABASE_URL}?application_name=${name}`, schema, workflow });
  const tm = new TaskManager({ store });
  opened.push(tm);
  return tm;
}

function newSession(): string {
  return randomBytes(16).toString("hex");
}

function tag(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

async function connected(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  clients.push(client);
  return client;
}

async function byVerdicts(schema: string, id: string | undefined): Promise<boolean> {
  return withClient(async (client) => {
    const { rows } = await client.query(`SELECT claim_agent FROM "${schema}".tasks WHERE id = $1`, [id ?? ""]);
    return (rows[0] as { claim_agent: string | null } | undefined)?.claim_agent != null;
  });
}

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); ) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Claims and completes: the holder's verdicts are then those of this claim's read, and it holds nothing. */
async function warm(tm: TaskManager, who: GetNextTaskInput): Promise<Task> {
  const claim = await tm.getNextTask(who);
  expect(claim).not.toBeNull();
  await tm.completeTask({ taskId: claim?.id ?? "", agentId: who.agentId, claimToken: claim?.claim_token });
  return claim as Task;
}

describe.skipIf(!has("postgres"))("attacks on PostgresStore's claims among paths on known verdicts", () => {
  // ---- connection drops -------------------------------------------------------------------

  it("a connection lost while a claim among paths with no verdicts for its holder waits to read is asked again, not reported as maybe applied", async () => {
    const schema = freshSchema();
    const name = tag("kva_drop");
    const tm = process_(schema, name);
    await tm.createTasks([
      { type: "t", paths: ["a/1.ts"] },
      { type: "t", paths: ["b/2.ts"] },
      { type: "t", paths: ["c/3.ts"] },
    ]);
    // bob's claim makes the process know the workflow uses paths; carol has no verdicts: her statement can write nothing.
    await warm(tm, { agentId: "bob", session: newSession() });
    const locker = await connected();
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE "${schema}".tasks IN ACCESS EXCLUSIVE MODE`);
    const claiming = tm.getNextTask({ agentId: "carol", session: newSession() }).then(
      (task) => ({ task }),
      (error: unknown) => ({ error }),
    );
    const watcher = await connected();
    const waiting = async () => (await watcher.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name])).rowCount === 1;
    await waitUntil(waiting, "claim waiting for the table");
    await watcher.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name]);
    await sleep(50);
    await locker.query("ROLLBACK");
    const outcome = await claiming;
    expect(outcome, String((outcome as { error?: unknown }).error)).toHaveProperty("task");
    expect((outcome as { task: Task | null }).task).toMatchObject({ status: "in_progress", locked_by: "carol" });
  });

  // ---- time -------------------------------------------------------------------------------

  it("a claim by the verdicts that waited for the workflow's row (locked by a change that adds no hold) keeps its whole lease", async () => {
    const HOLD_MS = 1_500;
    const schema = freshSchema();
    const name = tag("kva_lease_wait");
    const tm = process_(schema, name);
    await tm.createTasks([
      { type: "t", paths: ["a/1.ts"] },
      { type: "t", paths: ["b/2.ts"] },
      { type: "t", paths: ["c/3.ts"] },
    ]);
    const bob = { agentId: "bob", session: newSession() };
    await warm(tm, bob);
    const locker = await connected();
    await locker.query("BEGIN");
    // As updateMetadata holds it: no epoch bump, so the verdicts still hold when the lock goes.
    await locker.query(`SELECT 1 FROM "${schema}".workflows WHERE name = 'attacks' FOR UPDATE`);
    const started = Date.now();
    const claiming = tm.getNextTask({ ...bob, leaseSeconds: 1 }).then((task) => ({ task, returned: Date.now() }));
    const waitingFor = async () =>
      ((await locker.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = $1", [name])).rows[0] as { n: number }).n > 0;
    await waitUntil(waitingFor, "claim waiting for the workflow's row");
    await sleep(HOLD_MS - (Date.now() - started));
    await locker.query("COMMIT");
    const { task, returned } = await claiming;
    expect(task).not.toBeNull();
    expect(await byVerdicts(schema, task?.id)).toBe(true);
    const lockedAt = Date.parse(task?.locked_at ?? "");
    const leaseEnd = Date.parse(task?.lease_expires_at ?? "");
    expect(lockedAt - started, "the claim is timed when it was applied").toBeGreaterThan(HOLD_MS - 500);
    expect(leaseEnd, "the lease was not over when the claim returned").toBeGreaterThan(returned);
  });

  it("a claim by the verdicts takes its lease from the workflow's default set since the read", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_default_lease"));
    const other = process_(schema, tag("kva_default_lease_o"));
    await tm.createTasks([
      { type: "t", paths: ["a/1.ts"] },
      { type: "t", paths: ["b/2.ts"] },
    ]);
    const bob = { agentId: "bob", session: newSession() };
    await warm(tm, bob);
    await other.updateWorkflowMetadata({ task_defaults: { lease_seconds: 123 } });
    const next = await tm.getNextTask(bob);
    expect(await byVerdicts(schema, next?.id)).toBe(true);
    expect(next?.lease_seconds).toBe(123);
    expect(Date.parse(next?.lease_expires_at ?? "") - Date.parse(next?.locked_at ?? "")).toBe(123_000);
  });

  // ---- holds changed in ways the verdicts must notice ---------------------------------------

  it("a reservation released elsewhere frees the task it kept back, which is then taken in its turn", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_release"));
    const other = process_(schema, tag("kva_release_o"));
    const [blocked, , third] = await tm.createTasks([
      { type: "t", paths: ["held/a.ts"], priority: 5 },
      { type: "t", paths: ["free/b.ts"], priority: 4 },
      { type: "t", paths: ["free/c.ts"], priority: 3 },
    ]);
    expect((await other.reservePaths({ agentId: "alice", paths: ["held/**"] })).granted).toBe(true);
    const bob = { agentId: "bob", session: newSession() };
    await warm(tm, bob);
    await other.releasePaths({ agentId: "alice" });
    expect((await tm.getNextTask(bob))?.id).toBe(blocked?.id);
    expect((await tm.getTask(third?.id ?? ""))?.status).toBe("pending");
  });

  it("a reservation renewed elsewhere with a shorter ttl: once it ends, the task it kept back is taken in its turn", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_renew"));
    const other = process_(schema, tag("kva_renew_o"));
    const alice = { agentId: "alice", session: newSession() };
    const [blocked] = await tm.createTasks([
      { type: "t", paths: ["held/a.ts"], priority: 5 },
      { type: "t", paths: ["free/b.ts"], priority: 4 },
      { type: "t", paths: ["free/c.ts"], priority: 3 },
    ]);
    expect((await other.reservePaths({ ...alice, paths: ["held/**"], ttlSeconds: 3600 })).granted).toBe(true);
    const bob = { agentId: "bob", session: newSession() };
    await warm(tm, bob);
    expect((await other.reservePaths({ ...alice, paths: ["held/**"], ttlSeconds: 1 })).granted).toBe(true);
    await sleep(1_100);
    expect((await tm.getNextTask(bob))?.id).toBe(blocked?.id);
  });

  it("a holding task cancelled elsewhere frees the task it kept back, which is then taken in its turn", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_cancel"));
    const other = process_(schema, tag("kva_cancel_o"));
    const [holding, blocked] = await tm.createTasks([
      { type: "h", paths: ["shared/x.ts"] },
      { type: "t", paths: ["shared/x.ts"], priority: 5 },
      { type: "t", paths: ["own/a.ts"], priority: 4 },
      { type: "t", paths: ["own/b.ts"], priority: 3 },
    ]);
    const alice = await other.getNextTask({ agentId: "alice", taskTypes: ["h"] });
    expect(alice?.id).toBe(holding?.id);
    const bob = { agentId: "bob", session: newSession(), taskTypes: ["t"] };
    await warm(tm, bob);
    await other.completeTask({ taskId: holding?.id ?? "", agentId: "alice", claimToken: alice?.claim_token, status: "cancelled" });
    expect((await tm.getNextTask(bob))?.id).toBe(blocked?.id);
  });

  it("a holding task failed with a retry elsewhere frees the task it kept back, then holds again when reclaimed", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_fail"));
    const other = process_(schema, tag("kva_fail_o"));
    const [holding, blocked] = await tm.createTasks([
      { type: "h", paths: ["shared/x.ts"], maxAttempts: 3 },
      { type: "t", paths: ["shared/x.ts"], priority: 5 },
      { type: "t", paths: ["own/a.ts"], priority: 4 },
      { type: "t", paths: ["own/b.ts"], priority: 3 },
      { type: "t", paths: ["own/c.ts"], priority: 2 },
    ]);
    const carol = { agentId: "carol", session: newSession(), taskTypes: ["h"] };
    const first = await other.getNextTask(carol);
    expect(first?.id).toBe(holding?.id);
    const bob = { agentId: "bob", session: newSession(), taskTypes: ["t"] };
    await warm(tm, bob);
    // Failed and retried, then claimed again by carol: the hold is back (mark differs by version).
    await other.completeTask({ taskId: holding?.id ?? "", agentId: "carol", claimToken: first?.claim_token, status: "failed", retry: true });
    const again = await other.getNextTask(carol);
    expect(again?.id).toBe(holding?.id);
    const next = await tm.getNextTask(bob);
    expect(next?.id).not.toBe(blocked?.id);
  });

  it("two TaskManagers over one store (each a holder of its own for calls without a session): neither takes a task the other's holds keep back", async () => {
    const schema = freshSchema();
    const store = new PostgresStore({ url: `${TEST_DATABASE_URL}?application_name=${tag("kva_shared")}`, schema, workflow: "attacks" });
    const first = new TaskManager({ store });
    const second = new TaskManager({ store });
    opened.push(first);
    const [a, b, c, d] = await first.createTasks([
      { type: "t", paths: ["p/x.ts"], priority: 9 },
      { type: "t", paths: ["p/x.ts"], priority: 8 },
      { type: "t", paths: ["q/y.ts"], priority: 7 },
      { type: "t", paths: ["q/y.ts"], priority: 6 },
    ]);
    // Both judge with the same agent name; only the TaskManager's session tells them apart.
    const one = await first.getNextTask({ agentId: "bob" });
    expect(one?.id).toBe(a?.id);
    const two = await second.getNextTask({ agentId: "bob" });
    expect(two?.id).toBe(c?.id);
    await first.completeTask({ taskId: a?.id ?? "", agentId: "bob", claimToken: one?.claim_token });
    // first's own verdicts: d overlaps second's task, b is now free.
    const three = await first.getNextTask({ agentId: "bob" });
    expect(three?.id).toBe(b?.id);
    const four = await first.getNextTask({ agentId: "bob" });
    expect(four?.id).not.toBe(d?.id);
  });

  it("the same agent in two sessions, alternating in one process, never takes a task the other session's held task overlaps", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_two_sessions"));
    await tm.createTasks(Array.from({ length: 8 }, (_, i) => ({ type: "t", paths: [`shared/${i % 2}.ts`], priority: 10 - i })));
    const one = { agentId: "bob", session: newSession() };
    const two = { agentId: "bob", session: newSession() };
    const held: Task[] = [];
    for (let i = 0; i < 4; i += 1) {
      const who = i % 2 === 0 ? one : two;
      const task = await tm.getNextTask(who);
      if (task !== null) held.push(task);
    }
    // Each path can be held by one session at a time only.
    const byPath = new Map<string, Set<string>>();
    for (const task of held) {
      const path = (task.paths ?? [])[0] as string;
      const sessions = byPath.get(path) ?? new Set<string>();
      sessions.add(String((await withClient(async (client) => (await client.query(`SELECT coalesce(claim_session_sha256, body::jsonb->>'holder_session_sha256') AS s FROM "${schema}".tasks WHERE id = $1`, [task.id])).rows[0] as { s: string })).s));
      byPath.set(path, sessions);
    }
    for (const [path, sessions] of byPath) expect({ path, sessions: sessions.size }).toEqual({ path, sessions: 1 });
  });

  it("a task scheduled for later that becomes ready is judged before it is taken by the verdicts", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_not_before"));
    const other = process_(schema, tag("kva_not_before_o"));
    expect((await other.reservePaths({ agentId: "alice", paths: ["held/**"] })).granted).toBe(true);
    const [later] = await tm.createTasks([
      { type: "t", paths: ["held/a.ts"], priority: 9, delaySeconds: 1 },
      { type: "t", paths: ["free/b.ts"], priority: 5 },
      { type: "t", paths: ["free/c.ts"], priority: 4 },
    ]);
    const bob = { agentId: "bob", session: newSession() };
    await warm(tm, bob);
    await sleep(1_100);
    const next = await tm.getNextTask(bob);
    expect(next?.id).not.toBe(later?.id);
    expect((await tm.getTask(later?.id ?? ""))?.status).toBe("pending");
  });

  it("a task whose dependency completes elsewhere after the read is judged before it is taken", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_deps"));
    const other = process_(schema, tag("kva_deps_o"));
    expect((await other.reservePaths({ agentId: "alice", paths: ["held/**"] })).granted).toBe(true);
    const [dep] = await tm.createTasks([{ type: "d" }]);
    const [dependent] = await tm.createTasks([
      { type: "t", paths: ["held/a.ts"], priority: 9, dependsOn: [dep?.id ?? ""] },
      { type: "t", paths: ["free/b.ts"], priority: 5 },
      { type: "t", paths: ["free/c.ts"], priority: 4 },
    ]);
    const bob = { agentId: "bob", session: newSession(), taskTypes: ["t"] };
    await warm(tm, bob);
    const d = await other.getNextTask({ agentId: "carol", taskTypes: ["d"] });
    await other.completeTask({ taskId: d?.id ?? "", agentId: "carol", claimToken: d?.claim_token });
    const next = await tm.getNextTask(bob);
    expect(next?.id).not.toBe(dependent?.id);
  });

  // ---- races --------------------------------------------------------------------------------

  it("two processes both claiming by verdicts that judged overlapping tasks free: never both get them", async () => {
    const schema = freshSchema();
    const bob = { agentId: "bob", session: newSession() };
    const carol = { agentId: "carol", session: newSession() };
    let bothKnown = 0;
    for (let round = 0; round < 15; round += 1) {
      // Both processes are new each round, so that each claim tries its verdicts (VerdictMemory skips tries after misses).
      const one = process_(schema, tag(`kva_race2_one${round}`));
      const two = process_(schema, tag(`kva_race2_two${round}`));
      await one.createTasks([
        { type: `w${round}`, paths: [`warm/b${round}.ts`] },
        { type: `w${round}`, paths: [`warm/c${round}.ts`] },
        { type: `a${round}`, paths: [`shared/${round}.ts`] },
        { type: `a${round}`, paths: [`shared/${round}.ts`] },
      ]);
      // Each reads the round's tasks (all free), then holds nothing again.
      await warm(one, { ...bob, taskTypes: [`w${round}`, `a${round}`] });
      await warm(two, { ...carol, taskTypes: [`w${round}`, `a${round}`] });
      const claims = await Promise.all([one.getNextTask({ ...bob, taskTypes: [`a${round}`] }), two.getNextTask({ ...carol, taskTypes: [`a${round}`] })]);
      const won = claims.filter((claim) => claim !== null);
      expect({ round, won: won.length }).toEqual({ round, won: 1 });
      if ((await Promise.all(won.map((claim) => byVerdicts(schema, claim?.id)))).every(Boolean)) bothKnown += 1;
      const [winner] = won;
      const holder = winner?.locked_by === "bob" ? one : two;
      await holder.completeTask({ taskId: winner?.id ?? "", agentId: winner?.locked_by ?? "", claimToken: winner?.claim_token });
      for (const task of (await one.listTasks({ status: "pending" })).tasks) await one.cancelTask({ taskId: task.id, agentId: "test" });
      await Promise.all([one.close(), two.close()]);
    }
    expect(bothKnown).toBeGreaterThan(0);
  });

  it("claims by verdicts racing with reservations from another process never overlap a granted reservation", async () => {
    const schema = freshSchema();
    const one = process_(schema, tag("kva_race_res_one"));
    const two = process_(schema, tag("kva_race_res_two"));
    const bob = { agentId: "bob", session: newSession() };
    const alice = { agentId: "alice", session: newSession() };
    for (let round = 0; round < 15; round += 1) {
      await one.createTasks([
        { type: `w${round}`, paths: [`warm/${round}.ts`] },
        { type: `a${round}`, paths: [`shared/${round}.ts`] },
      ]);
      await warm(one, { ...bob, taskTypes: [`w${round}`, `a${round}`] });
      const [claim, reservation] = await Promise.all([
        one.getNextTask({ ...bob, taskTypes: [`a${round}`] }),
        two.reservePaths({ ...alice, paths: [`shared/${round}.ts`] }),
      ]);
      expect({ round, both: claim !== null && reservation.granted }).toEqual({ round, both: false });
      if (claim) await one.completeTask({ taskId: claim.id, agentId: "bob", claimToken: claim.claim_token });
      await two.releasePaths(alice);
    }
  });

  it("a fast claim and a cancel of the same task racing: the task is either cancelled or claimed, never both", async () => {
    const schema = freshSchema();
    const one = process_(schema, tag("kva_race_cancel_one"));
    const two = process_(schema, tag("kva_race_cancel_two"));
    const bob = { agentId: "bob", session: newSession() };
    for (let round = 0; round < 15; round += 1) {
      const [, target] = await one.createTasks([
        { type: `w${round}`, paths: [`warm/${round}.ts`] },
        { type: `a${round}`, paths: [`t/${round}.ts`] },
      ]);
      await warm(one, { ...bob, taskTypes: [`w${round}`, `a${round}`] });
      const [claim, cancelled] = await Promise.all([
        one.getNextTask({ ...bob, taskTypes: [`a${round}`] }),
        two.cancelTask({ taskId: target?.id ?? "", agentId: "test" }).then(
          () => true,
          () => false,
        ),
      ]);
      const final = await two.getTask(target?.id ?? "");
      if (claim !== null) {
        expect({ round, cancelled, status: final?.status }).toEqual({ round, cancelled: false, status: "in_progress" });
        await one.completeTask({ taskId: claim.id, agentId: "bob", claimToken: claim.claim_token });
      } else {
        expect({ round, status: final?.status }).toEqual({ round, status: "cancelled" });
      }
    }
  });

  // ---- what a claim by the verdicts leaves ------------------------------------------------------

  it("a task claimed by the verdicts exports with its holder's session, and another process sees that session hold its paths", async () => {
    const schema = freshSchema();
    const tm = process_(schema, tag("kva_export"));
    const other = process_(schema, tag("kva_export_o"));
    const [, second] = await tm.createTasks([
      { type: "t", paths: ["a/1.ts"] },
      { type: "t", paths: ["b/2.ts"] },
      { type: "t", paths: ["b/2.ts"] },
    ]);
    const session = newSession();
    const bob = { agentId: "bob", session };
    await warm(tm, bob);
    const next = await tm.getNextTask(bob);
    expect(next?.id).toBe(second?.id);
    expect(await byVerdicts(schema, next?.id)).toBe(true);
    // The same session in another process is the same holder: b/2.ts is its own.
    expect((await other.reservePaths({ ...bob, paths: ["b/2.ts"] })).granted).toBe(true);
    await other.releasePaths(bob);
    // Another session of bob is not.
    expect((await other.reservePaths({ agentId: "bob", session: newSession(), paths: ["b/2.ts"] })).granted).toBe(false);
    const exported = await other.exportWorkflow();
    let task: { holder_session_sha256?: string } | undefined;
    for await (const [id, stored] of exported?.tasks ?? []) if (id === next?.id) task = stored as { holder_session_sha256?: string };
    expect(typeof task?.holder_session_sha256).toBe("string");
    // Fenced by its claim's token as any claim: refused without it, or with another claim's, in either process.
    const forged = `${next?.claim_token?.split(".")[0] ?? "1"}.${"A".repeat(43)}`;
    expect(await codeOf(other.completeTask({ taskId: next?.id ?? "", agentId: "bob" }))).toBe("NOT_CLAIM_HOLDER");
    expect(await codeOf(tm.completeTask({ taskId: next?.id ?? "", agentId: "bob", claimToken: forged }))).toBe("NOT_CLAIM_HOLDER");
    expect((await other.getTask(next?.id ?? ""))?.status).toBe("in_progress");
    // Heartbeat and complete through the other process, with the token.
    expect((await other.heartbeatTask({ taskId: next?.id ?? "", agentId: "bob", claimToken: next?.claim_token })).status).toBe("in_progress");
    expect((await other.completeTask({ taskId: next?.id ?? "", agentId: "bob", claimToken: next?.claim_token })).status).toBe("completed");
  });
});

/**
 * A random workload over three processes and five holders on a handful of exact paths, with a
 * checker that reads one snapshot at a time (one statement) and fails on any two tasks in
 * progress of different holders with a path in common, or a task in progress whose path another
 * holder's active reservation holds.
 */
async function randomWorkload(options: { holders: number; seed: number; seconds: number }): Promise<string[]> {
  const schema = freshSchema();
  const procs = [process_(schema, tag("kva_rand_a")), process_(schema, tag("kva_rand_b")), process_(schema, tag("kva_rand_c"))];
  const PATHS = ["p0.ts", "p1.ts", "p2.ts", "p3.ts", "p4.ts"];
  const holders = Array.from({ length: options.holders }, (_, i) => ({ agentId: `agent${i % 3}`, session: newSession(), tm: procs[i % 3] as TaskManager }));
  let seed = options.seed;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const violations: string[] = [];
  const check = async (client: pg.Client) => {
    const { rows } = await client.query(
      `SELECT (SELECT extra FROM "${schema}".workflows WHERE name = 'attacks') AS extra, clock_timestamp() AS now,
         (SELECT coalesce(json_agg(json_build_object('id', id, 'agent', coalesce(claim_agent, body::jsonb->>'locked_by'),
            'session', CASE WHEN claim_agent IS NOT NULL THEN claim_session_sha256 ELSE body::jsonb->>'holder_session_sha256' END,
            'paths', body::jsonb->'paths')), '[]'::json) FROM "${schema}".tasks WHERE status = 'in_progress') AS held`,
    );
    const row = rows[0] as { extra: string | null; now: Date; held: { id: string; agent: string; session: string | null; paths: string[] | null }[] };
    const owner = new Map<string, string>();
    for (const task of row.held) {
      for (const path of task.paths ?? []) {
        const who = `${task.agent}/${task.session}`;
        const before = owner.get(path);
        if (before !== undefined && before !== who) violations.push(`${path}: ${before} and ${who} (${task.id})`);
        owner.set(path, who);
      }
    }
    const extra = row.extra === null ? {} : (JSON.parse(row.extra) as { reservations?: { path: string; held_by: string; session_sha256: string | null; expires_at: string; exclusive: boolean }[] });
    for (const reservation of extra.reservations ?? []) {
      if (Date.parse(reservation.expires_at) <= row.now.getTime() - 50) continue;
      const who = owner.get(reservation.path);
      if (who !== undefined && who !== `${reservation.held_by}/${reservation.session_sha256}`) violations.push(`${reservation.path}: reserved by ${reservation.held_by}, held by ${who}`);
    }
  };
  // Seed tasks.
  await (procs[0] as TaskManager).createTasks(Array.from({ length: 40 }, () => ({ type: "t", paths: [pick(PATHS)], priority: Math.floor(random() * 3) })));
  const checker = await connected();
  let running = true;
  const checking = (async () => {
    while (running) {
      await check(checker);
      await sleep(5);
    }
  })();
  const held = new Map<number, ClaimedTask[]>();
  const deadline = Date.now() + options.seconds * 1000;
  await Promise.all(
    holders.map(async (holder, index) => {
      const mine: ClaimedTask[] = [];
      held.set(index, mine);
      const who = { agentId: holder.agentId, session: holder.session };
      while (Date.now() < deadline) {
        const action = random();
        try {
          if (action < 0.45) {
            const task = await holder.tm.getNextTask(who);
            if (task) mine.push(task);
          } else if (action < 0.75 && mine.length > 0) {
            const task = mine.splice(Math.floor(random() * mine.length), 1)[0] as ClaimedTask;
            const how = random();
            if (how < 0.5) await holder.tm.completeTask({ taskId: task.id, agentId: holder.agentId, claimToken: task.claim_token });
            else if (how < 0.7) await holder.tm.releaseTask({ taskId: task.id, agentId: holder.agentId, claimToken: task.claim_token });
            else if (how < 0.85) await holder.tm.completeTask({ taskId: task.id, agentId: holder.agentId, claimToken: task.claim_token, status: "failed", retry: true });
            else {
              await holder.tm.heartbeatTask({ taskId: task.id, agentId: holder.agentId, claimToken: task.claim_token });
              mine.push(task);
            }
          } else if (action < 0.85) {
            await holder.tm.reservePaths({ ...who, paths: [pick(PATHS)], ttlSeconds: 1 + Math.floor(random() * 2) });
          } else if (action < 0.92) {
            await holder.tm.releasePaths(who);
          } else {
            await holder.tm.createTasks([{ type: "t", paths: [pick(PATHS)], priority: Math.floor(random() * 3) }, { type: "t", priority: Math.floor(random() * 3) }]);
          }
        } catch (error) {
          violations.push(`error: ${String(error)}`);
        }
      }
    }),
  );
  running = false;
  await checking;
  await check(checker);
  return violations;
}

describe.skipIf(!has("postgres"))("a random workload of claims by verdicts, finishes and reservations", () => {
  it("five holders on three processes, flat out: never two holders on one path", async () => {
    const violations = await randomWorkload({ holders: 5, seed: 12345, seconds: 5 });
    expect(violations.slice(0, 10)).toEqual([]);
  });
});
