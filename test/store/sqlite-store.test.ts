/**
 * What only the SQLite store has (its behaviour is the conformance suite's, test/core):
 * one database for every workflow, group commit, the query plans that keep a claim's
 * cost flat, a damaged or newer database left alone, the write lock's timeout, the
 * durability setting, and changes heard from other connections.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SQLITE_FILE_NAME, SqliteStore, TaskManager, Workflows, type WorkflowChange } from "../../src/index.js";
import { nextClaimTime, type ClaimabilityQuery } from "../../src/core/claim-timing.js";
import { claimSecretDigest } from "../../src/core/claim-token.js";
import { summarize } from "../../src/core/workflow-rules.js";
import { openSqliteDatabase } from "../../src/store/sqlite/database.js";
import { Statements } from "../../src/store/sqlite/statements.js";
import { codeOf, ManualClock } from "../helpers/coordination.js";
import { exportedState } from "../helpers/stores.js";
import { EventLog } from "../helpers/events.js";
import { snapshotTree, tempDir } from "../helpers/temp-dir.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function manager(stateDir: string, workflow = "w", options: Partial<ConstructorParameters<typeof TaskManager>[0]> = {}): TaskManager {
  const tm = new TaskManager({ store: "sqlite", stateDir, workflow, ...options });
  closers.push(() => tm.close());
  return tm;
}

/** Turns a database of this version back into one of schema 2, as an earlier version left it (user_version aside). */
function asSchema2(db: BetterSqlite3.Database): void {
  db.exec("DROP INDEX tasks_with_paths; ALTER TABLE tasks DROP COLUMN has_paths;");
}

describe("the SQLite database", () => {
  it("holds every workflow of the state directory in tasks.sqlite, created by the first change and not by reads", async () => {
    const stateDir = join(await tempDir(), "state");
    const workflows = new Workflows({ stateDir, store: "sqlite" });
    closers.push(() => workflows.close());
    expect(await workflows.list()).toEqual([]);
    expect(await workflows.get("a").getNextTask({ agentId: "w" })).toBeNull();
    expect(await workflows.get("a").getStatusSummary()).toMatchObject({ total_tasks: 0 });
    expect(await workflows.exists("a")).toBe(false);
    expect(await workflows.get("a").listReservations()).toEqual([]);
    expect(await workflows.get("a").releasePaths({ agentId: "w" })).toEqual({ released: [] });
    await expect(workflows.get("a").reservePaths({ agentId: "w", paths: ["x"], taskId: "t_missing" })).rejects.toMatchObject({ code: "TASK_NOT_FOUND" });
    await expect(workflows.get("a").createTask({ type: "t", parentId: "t_missing" })).rejects.toMatchObject({ code: "TASK_NOT_FOUND" });
    await expect(workflows.get("a").createTasks([{ type: "t" }, { type: "t", dependsOn: ["t_missing"] }])).rejects.toMatchObject({ code: "TASK_NOT_FOUND" });
    expect(existsSync(stateDir)).toBe(false);
    await workflows.get("b").createTask({ type: "t" });
    await workflows.get("a").updateWorkflowMetadata({ note: "metadata alone makes a workflow" });
    expect(await workflows.list()).toEqual(["a", "b"]);
    expect(await workflows.exists("a")).toBe(true);
    expect(workflows.stateFileOf("a")).toBe(join(stateDir, SQLITE_FILE_NAME));
    expect(workflows.locationOf("a")).toBe(`${join(stateDir, SQLITE_FILE_NAME)}#a`);
    expect((await workflows.get("a").getStatusSummary()).total_tasks).toBe(0);
  });

  it.each(["../x", "/etc/passwd", "a/b", ".", "", ".hidden", "x".repeat(65), "nul\u0000byte", "spa ce"])(
    "refuses the workflow name %j and creates nothing",
    async (name) => {
      const root = await tempDir();
      const workflows = new Workflows({ stateDir: join(root, "state"), store: "sqlite" });
      closers.push(() => workflows.close());
      expect(() => workflows.get(name)).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
      await expect(workflows.exists(name)).rejects.toMatchObject({ code: "INVALID_INPUT" });
      expect(() => new SqliteStore({ file: join(root, "x.sqlite"), workflow: name })).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
      expect(await snapshotTree(root)).toEqual({});
    },
  );

  it("applies the durability setting: WAL and synchronous FULL by default, NORMAL when asked", async () => {
    const file = join(await tempDir(), SQLITE_FILE_NAME);
    const levels = (["full", "normal"] as const).map((synchronous) => {
      const database = openSqliteDatabase(file, { busyTimeoutMs: 5000, synchronous });
      closers.push(async () => database.close());
      void database.write(() => undefined); // the first change opens (and creates) the database
      return database;
    });
    await Promise.all(levels.map((database) => database.write(() => undefined)));
    expect(levels.map((database) => database.read((s) => s.db.pragma("synchronous", { simple: true }), () => -1))).toEqual([2, 1]);
    expect(levels[0]?.read((s) => s.db.pragma("journal_mode", { simple: true }), () => "none")).toBe("wal");
  });
});

describe("group commit", () => {
  it("applies concurrent changes of one process together, each on its own: a refused one takes none of the others with it", async () => {
    const stateDir = await tempDir();
    const tm = manager(stateDir);
    const [held, other] = await tm.createTasks([{ type: "held" }, { type: "other" }]);
    const claim = await tm.getNextTask({ agentId: "owner", taskTypes: ["held"] });
    const results = await Promise.allSettled([
      tm.createTask({ type: "new" }),
      tm.completeTask({ taskId: held?.id ?? "", agentId: "intruder" }),
      tm.getNextTask({ agentId: "second", taskTypes: ["other"] }),
      tm.createTask({ type: "bad/type" }),
      tm.completeTask({ taskId: held?.id ?? "", agentId: "owner", claimToken: claim?.claim_token }),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
    expect(await codeOf(Promise.reject((results[1] as PromiseRejectedResult).reason))).toBe("NOT_CLAIM_HOLDER");
    expect(await tm.getTask(other?.id ?? "")).toMatchObject({ status: "in_progress", locked_by: "second" });
    expect(await tm.getTask(held?.id ?? "")).toMatchObject({ status: "completed" });
    expect((await tm.getStatusSummary()).total_tasks).toBe(3);
  });

  it("gives 50 concurrent claims of one process 50 different tasks", async () => {
    const tm = manager(await tempDir());
    await tm.createTasks(Array.from({ length: 60 }, () => ({ type: "t" })));
    const claims = await Promise.all(Array.from({ length: 50 }, (_, i) => tm.getNextTask({ agentId: `agent-${i}` })));
    expect(new Set(claims.map((task) => task?.id)).size).toBe(50);
    expect((await tm.getStatusSummary()).status_counts).toMatchObject({ in_progress: 50, pending: 10 });
  });
});

describe("claim cost", () => {
  it("finds the next task, expired leases, pages, children and waiting tasks through indexes, never by scanning or sorting the tasks", async () => {
    const stateDir = await tempDir();
    await manager(stateDir).createTask({ type: "t" });
    const db = new BetterSqlite3(join(stateDir, SQLITE_FILE_NAME), { readonly: true });
    closers.push(async () => {
      db.close();
    });
    // The statements the store runs, caught as they are prepared, then SQLite's plan for each.
    const statements = new Statements(db);
    const seen: string[] = [];
    const prepare = statements.prepared.bind(statements);
    statements.prepared = (sql: string) => {
      seen.push(sql);
      return prepare(sql);
    };
    const planOf = (run: () => unknown): string => {
      const from = seen.length;
      run();
      return seen
        .slice(from)
        .flatMap((sql) => {
          const named = [...sql.matchAll(/@(\w+)/g)].map((match) => match[1] as string);
          const explain = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
          const rows = named.length > 0 ? explain.all(Object.fromEntries(named.map((name) => [name, 1]))) : explain.all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 1));
          return (rows as { detail: string }[]).map((row) => row.detail);
        })
        .join("; ");
    };
    const now = Date.now();
    const plans = {
      claim: planOf(() => statements.firstReady(1, now, null)),
      claimOfType: planOf(() => statements.firstReady(1, now, "t")),
      expired: planOf(() => statements.expiredCandidates(1, now, 1000)),
      scheduled: planOf(() => statements.scheduledCount(1, now)),
      page: planOf(() => statements.page(1, 0, {}, 10)),
      pageOfType: planOf(() => statements.page(1, 0, { type: "t" }, 10)),
      pagePending: planOf(() => statements.page(1, 0, { status: "pending" }, 10)),
      pageFailed: planOf(() => statements.page(1, 0, { status: "failed" }, 10)),
      pageOfParent: planOf(() => statements.page(1, 0, { parentId: "x", status: "failed" }, 10)),
      children: planOf(() => statements.children(1, "x")),
      waiting: planOf(() => statements.waitingTasks(1)),
      task: planOf(() => statements.task(1, "x")),
      key: planOf(() => statements.idOfKey(1, "k")),
      readyInLine: planOf(() => [...statements.readyInLine(1, now, null)]),
      readyInLineOfType: planOf(() => [...statements.readyInLine(1, now, "t")]),
      readyWithoutPaths: planOf(() => statements.hasReadyWithoutPaths(1, now, null)),
      heldWithPaths: planOf(() => statements.heldWithPaths(1)),
      pendingWithPaths: planOf(() => statements.pendingWithPaths(1)),
    };
    for (const [what, plan] of Object.entries(plans)) {
      expect(plan, what).not.toMatch(/SCAN tasks(?! USING)/);
      // No sort either: every one of them reads its rows in the order it returns them.
      expect(plan, what).not.toContain("TEMP B-TREE");
    }
    expect(planOf(() => statements.descendants(1, "x"))).not.toMatch(/SCAN tasks(?! USING)/);
    // A claim reads the first entry of its partial index, which is already in claim order.
    expect(plans.claim).toMatch(/USING INDEX tasks_ready\b/);
    expect(plans.claimOfType).toMatch(/USING INDEX tasks_ready_by_type\b/);
    expect(plans.pageFailed).toMatch(/USING INDEX tasks_by_status\b/);
    // A claim that walks past tasks whose paths are held walks the same indexes, in claim order.
    expect(plans.readyInLine).toMatch(/USING INDEX tasks_ready\b/);
    expect(plans.readyInLineOfType).toMatch(/USING INDEX tasks_ready_by_type\b/);
    expect(plans.heldWithPaths).toMatch(/USING INDEX tasks_with_paths\b/);
    expect(plans.pendingWithPaths).toMatch(/USING INDEX tasks_with_paths\b/);
  });
});

describe("a database that cannot be used", () => {
  it("is reported as STATE_FILE_CORRUPT when it is not a SQLite file, and never overwritten", async () => {
    const stateDir = await tempDir();
    const file = join(stateDir, SQLITE_FILE_NAME);
    await writeFile(file, "this is not a database, but somebody's notes\n".repeat(100));
    const before = await readFile(file);
    const tm = manager(stateDir);
    expect(await codeOf(tm.createTask({ type: "t" }))).toBe("STATE_FILE_CORRUPT");
    expect(await codeOf(tm.getStatusSummary())).toBe("STATE_FILE_CORRUPT");
    expect(await readFile(file)).toEqual(before);
  });

  it("is refused, untouched, when a newer version wrote it", async () => {
    const stateDir = await tempDir();
    await manager(stateDir).createTask({ type: "t" });
    await Promise.all(closers.splice(0).map((close) => close()));
    const file = join(stateDir, SQLITE_FILE_NAME);
    const db = new BetterSqlite3(file);
    db.pragma("user_version = 99");
    db.close();
    const before = await readFile(file);
    const error = await manager(stateDir).createTask({ type: "t" }).catch((caught: unknown) => caught as Error);
    expect(error).toMatchObject({ code: "STATE_FILE_CORRUPT" });
    expect((error as Error).message).toContain("newer version");
    expect(await readFile(file)).toEqual(before);
  });

  it("is brought up to date when an earlier version wrote it: schema 1 counted new tasks by a trigger", async () => {
    const stateDir = await tempDir();
    await manager(stateDir).createTask({ type: "t" });
    await Promise.all(closers.splice(0).map((close) => close()));
    const db = new BetterSqlite3(join(stateDir, SQLITE_FILE_NAME));
    asSchema2(db);
    db.exec(`CREATE TRIGGER task_counts_insert AFTER INSERT ON tasks BEGIN
      INSERT INTO task_counts (wf, type, status, n) VALUES (NEW.wf, NEW.type, NEW.status, 1) ON CONFLICT (wf, type, status) DO UPDATE SET n = n + 1;
    END`);
    db.pragma("user_version = 1");
    db.close();
    const tm = manager(stateDir);
    await tm.createTasks([{ type: "t" }, { type: "t" }]);
    expect((await tm.getStatusSummary()).total_tasks).toBe(3);
  });

  it("is brought up to date when schema 2 wrote it: has_paths is derived from the bodies, so the holds of tasks in progress count", async () => {
    const stateDir = await tempDir();
    const file = join(stateDir, SQLITE_FILE_NAME);
    const before = manager(stateDir);
    const [held, overlapping, plain] = await before.createTasks([{ type: "t", paths: ["src/**"] }, { type: "t", paths: ["src/a.ts"] }, { type: "t" }]);
    expect((await before.getNextTask({ agentId: "alice" }))?.id).toBe(held?.id);
    await manager(stateDir, "damaged").createTask({ type: "t", paths: ["x.ts"] });
    await Promise.all(closers.splice(0).map((close) => close()));
    const db = new BetterSqlite3(file);
    asSchema2(db);
    // A body that is not JSON (edited by hand) must not stop the upgrade.
    db.prepare("UPDATE tasks SET body = '{not json' WHERE wf = (SELECT wf FROM workflows WHERE name = 'damaged')").run();
    db.pragma("user_version = 2");
    db.close();

    const after = manager(stateDir);
    expect((await after.getStatusSummary()).pending_counts).toMatchObject({ ready: 1, conflicting: 1 });
    expect((await after.getNextTask({ agentId: "bob" }))?.id).toBe(plain?.id); // overlapping waits for alice's src/**
    expect(await after.getNextTask({ agentId: "bob" })).toBeNull();
    const check = new BetterSqlite3(file, { readonly: true });
    closers.push(async () => {
      check.close();
    });
    expect(check.pragma("user_version", { simple: true })).toBe(3);
    const derived = check.prepare("SELECT id, has_paths FROM tasks ORDER BY seq").all() as { id: string; has_paths: number }[];
    expect(Object.fromEntries(derived.map((row) => [row.id, row.has_paths]))).toMatchObject({
      [held?.id ?? ""]: 1,
      [overlapping?.id ?? ""]: 1,
      [plain?.id ?? ""]: 0,
    });
    expect(derived.filter((row) => row.has_paths === 1)).toHaveLength(2); // the damaged body counts as none
  });

  it("answers LOCK_TIMEOUT, changing nothing, while another connection holds the write lock too long", async () => {
    const stateDir = await tempDir();
    const tm = manager(stateDir, "w", { lockTimeout: 0.2 });
    const id = await tm.createTask({ type: "t" });
    const other = new BetterSqlite3(join(stateDir, SQLITE_FILE_NAME));
    other.exec("BEGIN IMMEDIATE");
    try {
      expect(await codeOf(tm.getNextTask({ agentId: "w" }))).toBe("LOCK_TIMEOUT");
      expect(await codeOf(tm.createTask({ type: "t" }))).toBe("LOCK_TIMEOUT");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    // Reads never waited, and once the lock is free the same claim goes through.
    expect((await tm.getStatusSummary()).total_tasks).toBe(1);
    expect((await tm.getNextTask({ agentId: "w" }))?.id).toBe(id);
  });
});

describe("changes by other connections", () => {
  it("are heard by Workflows.watch and by a waiting claim, with the workflow that changed", async () => {
    const stateDir = await tempDir();
    const workflows = new Workflows({ stateDir, store: "sqlite" });
    closers.push(() => workflows.close());
    const changes = new EventLog<WorkflowChange>();
    const stop = workflows.watch(changes.push);
    closers.push(async () => stop());
    // Another connection to the same file, as another process would have (its own options make it its own).
    const elsewhere = new TaskManager({ store: new SqliteStore({ file: join(stateDir, SQLITE_FILE_NAME), workflow: "beta", lockTimeoutSeconds: 7 }) });
    closers.push(() => elsewhere.close());
    await elsewhere.createTask({ type: "t" });
    await changes.waitFor((change) => change.workflow === "beta" && change.kind === "created");
    const mark = changes.mark;
    const waiting = workflows.get("beta").getNextTask({ agentId: "waiter", taskTypes: ["later"], waitMs: 20_000 });
    await elsewhere.createTask({ type: "later" });
    await changes.waitFor((change) => change.workflow === "beta" && change.kind === "changed", 15_000, mark);
    expect(await waiting).toMatchObject({ type: "later", locked_by: "waiter" });
  });
});

describe("paths", () => {
  const sessions = { alice: "alice-session-secret", bob: "bob-session-secret", carol: "carol-session-secret" };

  it("holds paths across connections: a reservation made through one keeps the other's claims and reservations back until released", async () => {
    const stateDir = await tempDir();
    const file = join(stateDir, SQLITE_FILE_NAME);
    const here = manager(stateDir);
    // Another connection to the same file, as another process would have (its own options make it its own).
    const there = new TaskManager({ store: new SqliteStore({ file, workflow: "w", lockTimeoutSeconds: 7 }) });
    closers.push(() => there.close());
    expect((await here.reservePaths({ agentId: "alice", paths: ["src/**"] })).granted).toBe(true);
    const id = await there.createTask({ type: "t", paths: ["src/a.ts"] });
    expect(await there.getNextTask({ agentId: "bob" })).toBeNull();
    expect((await there.getStatusSummary()).pending_counts).toMatchObject({ ready: 0, conflicting: 1 });
    expect((await there.reservePaths({ agentId: "bob", paths: ["src/b.ts"], exclusive: false })).conflicts).toMatchObject([{ held_by: "alice" }]);
    expect((await there.listReservations()).map((r) => [r.path, r.held_by])).toEqual([["src/**", "alice"]]);
    expect(await here.releasePaths({ agentId: "alice" })).toEqual({ released: ["src/**"] });
    const claimed = await there.getNextTask({ agentId: "bob" });
    expect(claimed?.id).toBe(id);
    // And the other way: bob's task in progress, claimed over there, holds its path here.
    expect((await here.reservePaths({ agentId: "alice", paths: ["src/**"] })).conflicts).toEqual([
      { path: "src/**", held_path: "src/a.ts", held_by: "bob", expires_at: null, task_id: id },
    ]);
  });

  it("gives one of many concurrent claims, from two connections, the tasks that share a path; each claim sees the ones committed before it", async () => {
    const stateDir = await tempDir();
    const here = manager(stateDir);
    const there = new TaskManager({ store: new SqliteStore({ file: join(stateDir, SQLITE_FILE_NAME), workflow: "w", lockTimeoutSeconds: 7 }) });
    closers.push(() => there.close());
    await here.createTasks(Array.from({ length: 20 }, () => ({ type: "t", paths: ["same.ts"] })));
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? here : there).getNextTask({ agentId: `agent-${i}` })));
    expect(claims.filter((task) => task !== null)).toHaveLength(1);
    expect((await here.getStatusSummary()).pending_counts).toMatchObject({ ready: 0, conflicting: 19 });
  });

  it("walks each requested type's line past the tasks that holds keep back, and takes the first free one in claim order across them", async () => {
    const tm = manager(await tempDir());
    await tm.reservePaths({ agentId: "alice", session: sessions.alice, paths: ["held/**"] });
    const [, , freeB, freeA] = await tm.createTasks([
      { type: "a", paths: ["held/1"], priority: 5 },
      { type: "b", paths: ["held/2"], priority: 5 },
      { type: "b", paths: ["free/1"], priority: 4 },
      { type: "a", priority: 4 },
      { type: "a", paths: ["free/2"], priority: 4 },
    ]);
    expect((await tm.getNextTask({ agentId: "bob", taskTypes: ["a", "b"] }))?.id).toBe(freeB?.id);
    expect((await tm.getNextTask({ agentId: "bob", taskTypes: ["a", "b"] }))?.id).toBe(freeA?.id);
    expect((await tm.getNextTask({ agentId: "bob", taskTypes: ["a", "b"] }))?.paths).toEqual(["free/2"]);
    expect(await tm.getNextTask({ agentId: "bob", taskTypes: ["a", "b"] })).toBeNull();
    // The reservation's holder is not kept back by it: the highest priority comes first.
    expect((await tm.getNextTask({ agentId: "alice", session: sessions.alice }))?.paths).toEqual(["held/1"]);
  });

  it("answers nextClaimTime and the summary as the rules do over the whole workflow, for every holder and type", async () => {
    const stateDir = await tempDir();
    const clock = new ManualClock();
    const store = new SqliteStore({ file: join(stateDir, SQLITE_FILE_NAME), workflow: "w" });
    const tm = new TaskManager({ store, clock: clock.now });
    closers.push(() => tm.close());
    const [held] = await tm.createTasks([{ type: "b", paths: ["held/**"], priority: 9 }]);
    expect((await tm.getNextTask({ agentId: "carol", session: sessions.carol, leaseSeconds: 90 }))?.id).toBe(held?.id);
    await tm.reservePaths({ agentId: "alice", session: sessions.alice, paths: ["res/**"], ttlSeconds: 60 });
    await tm.reservePaths({ agentId: "bob", session: sessions.bob, paths: ["shared/**"], exclusive: false });
    await tm.createTasks([
      { type: "a", paths: ["res/x.ts"], priority: 5 },
      { type: "b", paths: ["held/y.ts"] },
      { type: "a", paths: ["held/z.ts"], delaySeconds: 100 },
      { type: "b", paths: ["res/q.ts"], delaySeconds: 10 },
      { type: "c", paths: ["shared/s.ts"], delaySeconds: 5 },
      { type: "c", delaySeconds: 200 },
    ]);
    const holders = [undefined, ...Object.entries(sessions).map(([agentId, session]) => ({ agentId, sessionDigest: claimSecretDigest(session) }))];
    const typeSets = [undefined, ["a"], ["b"], ["c"], ["a", "b"]];
    // Before anything ends, after the first schedule, after the reservation, after carol's lease.
    for (const seconds of [0, 20, 45, 30]) {
      clock.advance(seconds);
      const state = await exportedState(tm);
      if (state === null) throw new Error("the workflow was not written");
      for (const holder of holders) {
        for (const taskTypes of typeSets) {
          const query: ClaimabilityQuery = { now: clock.now(), staleAfterMs: 3_600_000, taskTypes, holder };
          expect(await store.nextClaimTime(query), JSON.stringify({ seconds, holder: holder?.agentId, taskTypes })).toEqual(nextClaimTime(state, query));
        }
      }
      expect(await tm.getStatusSummary()).toEqual(summarize(state, clock.now()));
    }
  });

  it("keeps reservations in the workflow's extra fields: an import brings them, a release drops them and keeps the rest", async () => {
    const stateDir = await tempDir();
    const clock = new ManualClock();
    const store = new SqliteStore({ file: join(stateDir, SQLITE_FILE_NAME), workflow: "w" });
    const tm = new TaskManager({ store, clock: clock.now });
    closers.push(() => tm.close());
    const metadata = { initialized_at: clock.iso(), last_updated: clock.iso() };
    const reservation = {
      path: "docs/**",
      held_by: "alice",
      session_sha256: claimSecretDigest(sessions.alice),
      exclusive: true,
      created_at: clock.iso(),
      expires_at: clock.iso(600),
    };
    await store.importWorkflow({ header: { workflow_type: "generic", metadata, note: "kept", reservations: [reservation] }, tasks: [] }, clock.now);
    const { session_sha256: _digest, ...shown } = reservation;
    expect(await tm.listReservations()).toEqual([shown]);
    expect((await tm.reservePaths({ agentId: "bob", paths: ["docs/a.md"] })).granted).toBe(false);
    expect((await store.exportWorkflow())?.header).toMatchObject({ note: "kept", reservations: [reservation] });
    expect(await tm.releasePaths({ agentId: "alice", session: sessions.alice })).toEqual({ released: ["docs/**"] });
    const header = (await store.exportWorkflow())?.header;
    expect(header).toMatchObject({ note: "kept" });
    expect(header).not.toHaveProperty("reservations");
  });
});
