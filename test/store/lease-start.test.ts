/**
 * A claim's lease (like every time a change writes) runs from the moment the change is
 * applied, not from when it was asked for: a claim that waited for another writer's lock
 * longer than its lease must still come back with its whole lease ahead of it.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore, SQLITE_FILE_NAME, TaskManager, type Task } from "../../src/index.js";
import { TEST_DATABASE_URL, testSchema, withClient } from "../helpers/postgres.js";
import { tempDir } from "../helpers/temp-dir.js";
import { has } from "../helpers/requirements.js";

const HOLD_MS = 1_500;

const opened: TaskManager[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tm) => tm.close()));
});

/** What the test asserts of a claim that waited for the lock from `started` until it returned. */
function expectLeaseFromApplied(task: Task | null, started: number, returned: number): void {
  expect(returned - started, "the claim waited for the lock").toBeGreaterThanOrEqual(HOLD_MS - 300);
  const lockedAt = Date.parse(task?.locked_at ?? "");
  const leaseEnd = Date.parse(task?.lease_expires_at ?? "");
  // Applied once the lock was free: well after the call, and the lease is a whole second from then.
  expect(lockedAt - started).toBeGreaterThan(HOLD_MS - 500);
  expect(leaseEnd - lockedAt).toBe(1_000);
  expect(leaseEnd).toBeGreaterThan(started + 1_400);
  // Not expired when the claim returns.
  expect(leaseEnd).toBeGreaterThan(returned);
}

/**
 * Another process takes the SQLite database's write lock (BEGIN IMMEDIATE) and keeps it
 * for HOLD_MS: better-sqlite3 waits for a busy database synchronously, so the holder
 * cannot be this process.
 */
function holdSqliteWriteLock(file: string): Promise<{ released: Promise<void> }> {
  const script = `
    const db = new (require("better-sqlite3"))(process.argv[1]);
    db.exec("BEGIN IMMEDIATE");
    process.stdout.write("locked\\n");
    setTimeout(() => { db.exec("COMMIT"); db.close(); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ["-e", script, file, String(HOLD_MS)], { stdio: ["ignore", "pipe", "inherit"] });
  const released = new Promise<void>((resolve, reject) => child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`lock holder exited ${String(code)}`)))));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      if (text.includes("locked")) resolve({ released });
    });
    released.catch(reject);
  });
}

/** Another process takes the JSON state file's lock and keeps it for HOLD_MS. */
function holdJsonLock(stateFile: string): Promise<{ released: Promise<void> }> {
  const script = `
    const { acquireFileLock } = await import(process.argv[1]);
    const lock = await acquireFileLock(process.argv[2], { timeoutMs: 5000, staleMs: 60000, updateMs: 1000 });
    process.stdout.write("locked\\n");
    setTimeout(() => lock.release(), Number(process.argv[3]));`;
  const lockModule = new URL("../../dist/store/json/file-lock.js", import.meta.url).href;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, lockModule, stateFile, String(HOLD_MS)], { stdio: ["ignore", "pipe", "inherit"] });
  const released = new Promise<void>((resolve, reject) => child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`lock holder exited ${String(code)}`)))));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      if (text.includes("locked")) resolve({ released });
    });
    released.catch(reject);
  });
}

describe("a lease counted from when the claim is applied", () => {
  it("JSON: a claim that waited for another process's lock on the state file keeps its whole lease, and a delay counts from the create", async () => {
    const stateFile = join(await tempDir(), "w.json");
    const tm = new TaskManager({ stateFile, lockTimeout: 10 });
    await tm.createTask({ type: "t" });
    const holder = await holdJsonLock(stateFile);
    const started = Date.now();
    const task = await tm.getNextTask({ agentId: "w", leaseSeconds: 1 });
    const returned = Date.now();
    await holder.released;
    expectLeaseFromApplied(task, started, returned);
    const again = await holdJsonLock(stateFile);
    const createStarted = Date.now();
    const [later] = await tm.createTasks([{ type: "later", delaySeconds: 1 }]);
    await again.released;
    const createdAt = Date.parse(later?.created_at ?? "");
    expect(createdAt - createStarted).toBeGreaterThan(HOLD_MS - 500);
    expect(Date.parse(later?.not_before ?? "") - createdAt).toBe(1_000);
  });

  it("SQLite: a claim that waited for another connection's write lock keeps its whole lease, and a delay counts from the create", async () => {
    const stateDir = await tempDir();
    const tm = new TaskManager({ store: "sqlite", stateDir, workflow: "w", lockTimeout: 10 });
    opened.push(tm);
    await tm.createTask({ type: "t" });
    const holder = await holdSqliteWriteLock(join(stateDir, SQLITE_FILE_NAME));
    const started = Date.now();
    const [task, [later]] = await Promise.all([tm.getNextTask({ agentId: "w", leaseSeconds: 1 }), tm.createTasks([{ type: "later", delaySeconds: 1 }])]);
    const returned = Date.now();
    await holder.released;
    expect(task).not.toBeNull();
    expectLeaseFromApplied(task, started, returned);
    // Created once the lock was free, and scheduled a whole second after that.
    const createdAt = Date.parse(later?.created_at ?? "");
    expect(createdAt - started).toBeGreaterThan(HOLD_MS - 500);
    expect(Date.parse(later?.not_before ?? "") - createdAt).toBe(1_000);
  });

  it.skipIf(!has("postgres"))("PostgreSQL: a claim that waited for a lock another connection held on the tasks table keeps its whole lease", async () => {
    const schema = testSchema();
    const tm = new TaskManager({ store: new PostgresStore({ url: TEST_DATABASE_URL, schema, workflow: "lease-start" }) });
    opened.push(tm);
    await tm.createTask({ type: "t" });
    await withClient(async (client) => {
      await client.query("BEGIN");
      await client.query(`LOCK TABLE "${schema}".tasks IN EXCLUSIVE MODE`);
      const started = Date.now();
      const claim = tm.getNextTask({ agentId: "w", leaseSeconds: 1 }).then((task) => ({ task, returned: Date.now() }));
      // The claim is under way and waiting for this lock (else the test would show nothing).
      for (;;) {
        const waiting = await client.query(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = $1::regclass AND NOT granted`, [`"${schema}".tasks`]);
        if ((waiting.rows[0] as { n: number }).n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS - (Date.now() - started)));
      await client.query("COMMIT");
      const { task, returned } = await claim;
      expect(task).not.toBeNull();
      expectLeaseFromApplied(task, started, returned);
    });
  });
});
