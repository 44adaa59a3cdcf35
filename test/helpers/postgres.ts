/**
 * The real PostgreSQL the tests use (127.0.0.1:5432, trust authentication, database
 * `test`; `.ci/run` starts it), with a schema of its own per test file, dropped when the
 * file's tests are done: runs never see each other's workflows and leave nothing behind.
 * TASK_MANAGER_TEST_DATABASE_URL points the tests at another server.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach } from "vitest";
import { PostgresStore, TaskManager } from "../../src/index.js";
import { TEST_DATABASE_URL } from "./outside-node.js";

export { TEST_DATABASE_URL };

/** Schemas this test file used, dropped after its tests (hooks registered while the file is collected). */
const used = new Set<string>();
afterAll(async () => {
  if (used.size === 0) return;
  await withClient(async (client) => {
    for (const name of used) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  });
});

const fileSchema = newSchemaName();

function newSchemaName(): string {
  return `tm_test_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** This test file's schema (the store creates it on first use). */
export function testSchema(): string {
  used.add(fileSchema);
  return fileSchema;
}

/** A schema of its own, for a test that must start from nothing. */
export function freshSchema(): string {
  const name = newSchemaName();
  used.add(name);
  return name;
}

/** Runs `body` with a connection of its own, closed after. */
export async function withClient<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** Every row the store keeps of one workflow, for comparing before and after a refusal; null while it does not exist. */
export async function dumpWorkflow(schemaName: string, workflow: string): Promise<unknown> {
  return withClient(async (client) => {
    const s = `"${schemaName}"`;
    const exists = await client.query(`SELECT to_regclass($1) AS t`, [`${s}.workflows`]);
    if (exists.rows[0]?.t === null) return null;
    const wf = await client.query(`SELECT * FROM ${s}.workflows WHERE name = $1`, [workflow]);
    if (wf.rows.length === 0) return null;
    const id = (wf.rows[0] as { wf: string }).wf;
    const tasks = await client.query(`SELECT * FROM ${s}.tasks WHERE wf = $1 ORDER BY seq`, [id]);
    const deps = await client.query(`SELECT * FROM ${s}.task_deps WHERE wf = $1 ORDER BY dep_id, task_seq`, [id]);
    return { workflow: wf.rows, tasks: tasks.rows, deps: deps.rows };
  });
}

const openedWorkflows: TaskManager[] = [];
afterEach(async () => {
  await Promise.all(openedWorkflows.splice(0).map((tm) => tm.close()));
});
let workflowsOpened = 0;

/**
 * A TaskManager on a fresh workflow of the test schema, `<prefix><n>_<pid>`; `process` opens another
 * store on the same workflow, as another process would. All are closed after the test.
 */
export function openPostgresWorkflow(prefix: string): { tm: TaskManager; process: () => TaskManager; workflow: string } {
  workflowsOpened += 1;
  const workflow = `${prefix}${workflowsOpened}_${process.pid}`;
  const make = () => {
    const tm = new TaskManager({ store: new PostgresStore({ url: TEST_DATABASE_URL, schema: testSchema(), workflow }) });
    openedWorkflows.push(tm);
    return tm;
  };
  return { tm: make(), process: make, workflow };
}
