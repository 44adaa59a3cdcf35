/**
 * The conformance suite's one seam: every behavioural test of the core runs once per
 * store in STORES, through `describeStores`, against a fresh workflow that
 * `store.open()` makes. A new store joins by adding one StoreFixture here; when the
 * suite passes, it keeps every promise the JSON store keeps.
 *
 * A test sees a store only through the TaskManager and two questions asked of the
 * fixture: what the store holds now (`snapshot`, to assert a refusal wrote nothing)
 * and the workflow as the store keeps it in the seed's format (`stored`).
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe } from "vitest";
import { SqliteStore, TaskManager, type TaskManagerOptions, type WorkflowState } from "../../src/index.js";
import { ManualClock } from "./coordination.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { TEST_DATABASE_URL, dumpWorkflow, testSchema, withClient } from "./postgres.js";
import { has, type Requirement } from "./requirements.js";
import { tempDir } from "./temp-dir.js";

/** What a test may set on the TaskManager; the store is the fixture's. */
export type ManagerOptions = Omit<TaskManagerOptions, "stateFile" | "store" | "stateDir" | "workflow">;

export interface OpenedWorkflow {
  tm: TaskManager;
  /** Everything the store keeps of this workflow, compared before and after a refusal. */
  snapshot(): Promise<unknown>;
  /** The workflow as kept, in the seed's state-file format; null while nothing was written. */
  stored(): Promise<WorkflowState | null>;
  /** Another TaskManager over the same workflow, which knows nothing the first one read or wrote. */
  reopen(): TaskManager;
  /**
   * Replaces `from` with `to` in the text the store keeps of the workflow (its state file, its
   * task rows), as a person editing it by hand would: what no call of the library could write.
   */
  editByHand(from: string, to: string): Promise<void>;
}

export interface StoreFixture {
  /** Shown in test names: "json", "sqlite". */
  name: string;
  /** What the store's tests need beyond Node; without it they are skipped (see test/setup/requirements.ts). */
  needs?: Requirement;
  /** A TaskManager over a fresh, empty workflow of this store; closed after the test. */
  open(options?: ManagerOptions): Promise<OpenedWorkflow>;
}

const opened: TaskManager[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tm) => tm.close()));
});

function track(tm: TaskManager): TaskManager {
  opened.push(tm);
  return tm;
}

export const jsonStore: StoreFixture = {
  name: "json",
  async open(options = {}) {
    const stateFile = join(await tempDir(), "states", "wf.json");
    const read = () => readFile(stateFile).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : Promise.reject(error)));
    return {
      tm: track(new TaskManager({ lockTimeout: 5, ...options, stateFile })),
      reopen: () => track(new TaskManager({ lockTimeout: 5, ...options, stateFile })),
      editByHand: async (from, to) => writeFile(stateFile, (await readFile(stateFile, "utf8")).replaceAll(from, to)),
      snapshot: read,
      async stored() {
        const bytes = await read();
        return bytes === null ? null : (JSON.parse(bytes.toString("utf8")) as WorkflowState);
      },
    };
  },
};

export const sqliteStore: StoreFixture = {
  name: "sqlite",
  async open(options = {}) {
    const file = join(await tempDir(), "states", "tasks.sqlite");
    // A second workflow in the same database: what a test does to "wf" must leave it alone.
    const neighbour = new TaskManager({ store: new SqliteStore({ file, workflow: "neighbour" }) });
    await neighbour.createTask({ type: "bystander" });
    await neighbour.close();
    const reopen = () => track(new TaskManager({ ...options, store: new SqliteStore({ file, workflow: "wf", lockTimeoutSeconds: 5 }) }));
    const tm = reopen();
    return {
      tm,
      reopen,
      editByHand: async (from, to) => {
        const db = new BetterSqlite3(file);
        try {
          db.prepare("UPDATE tasks SET body = replace(body, ?, ?) WHERE wf = (SELECT wf FROM workflows WHERE name = 'wf')").run(from, to);
        } finally {
          db.close();
        }
      },
      snapshot: async () => dumpDatabase(file),
      stored: () => exportedState(tm),
    };
  },
};

let postgresWorkflows = 0;
export const postgresStore: StoreFixture = {
  name: "postgres",
  needs: "postgres",
  async open(options = {}) {
    // A schema per test file (dropped after it), a fresh workflow per test, and a neighbour beside it.
    const schema = testSchema();
    postgresWorkflows += 1;
    const workflow = `wf${postgresWorkflows}`;
    const neighbour = new TaskManager({ store: new PostgresStore({ url: TEST_DATABASE_URL, schema, workflow: `${workflow}-neighbour` }) });
    await neighbour.createTask({ type: "bystander" });
    await neighbour.close();
    const reopen = () => track(new TaskManager({ ...options, store: new PostgresStore({ url: TEST_DATABASE_URL, schema, workflow }) }));
    const tm = reopen();
    return {
      tm,
      reopen,
      editByHand: (from, to) =>
        withClient(async (client) => {
          const s = `"${schema}"`;
          await client.query(`UPDATE ${s}.tasks SET body = replace(body, $1, $2) WHERE wf = (SELECT wf FROM ${s}.workflows WHERE name = $3)`, [from, to, workflow]);
        }),
      snapshot: () => dumpWorkflow(schema, workflow),
      stored: () => exportedState(tm),
    };
  },
};

export const STORES: readonly StoreFixture[] = [jsonStore, sqliteStore, postgresStore];

/** `describe(title)` once per store, the store passed to the body: `describeStores("leases", (store) => …)`. */
export function describeStores(title: string, body: (store: StoreFixture) => void): void {
  for (const store of STORES) describe.skipIf(store.needs !== undefined && !has(store.needs))(`${title} [${store.name}]`, () => body(store));
}

/** A fresh workflow of `store` on a clock the test moves by hand. */
export async function clockedWorkflow(store: StoreFixture, options: Omit<ManagerOptions, "clock"> = {}) {
  const clock = new ManualClock();
  const workflow = await store.open({ ...options, clock: clock.now });
  return { ...workflow, clock };
}

/** The workflow as the store's export gives it, gathered into one state-file object. */
export async function exportedState(tm: TaskManager): Promise<WorkflowState | null> {
  const exported = await tm.store.exportWorkflow?.();
  if (!exported) return null;
  const tasks: WorkflowState["tasks"] = {};
  // defineProperty, not assignment: a task with id "__proto__" must stay a task.
  for await (const [id, task] of exported.tasks) Object.defineProperty(tasks, id, { value: task, enumerable: true, writable: true, configurable: true });
  return { ...exported.header, tasks };
}

/** Every row of every table, read over a connection of its own; null when there is no database. */
function dumpDatabase(file: string): Record<string, unknown[]> | null {
  if (!existsSync(file)) return null;
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}"`).all()]));
  } finally {
    db.close();
  }
}
