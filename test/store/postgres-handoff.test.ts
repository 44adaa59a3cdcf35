/**
 * The PostgreSQL store's completeAndClaimNext on the fast path: the holder's completion,
 * made from the row its claim returned, and the next claim go out as one statement, shared
 * with the hand-offs other agents of the process ask for at the same moment (sql.handOff).
 * Each test fails if that statement answered differently from completeTask then getNextTask:
 * a completion written over a row that changed, a claim made for a refused completion, a
 * claim blind to a dependent its completion freed or to another process's paths.
 */
import { describe, expect, it } from "vitest";
import pg from "pg";
import { NextClaimFailedError, PostgresStore, StoreUnavailableError, TaskManager, type ClaimedTask } from "../../src/index.js";
import { codeOf } from "../helpers/coordination.js";
import { openPostgresWorkflow, TEST_DATABASE_URL, testSchema, withClient } from "../helpers/postgres.js";
import { has } from "../helpers/requirements.js";

const openWorkflow = () => openPostgresWorkflow("handoff");

/** The transaction that last wrote each task (its row's xmin), by id. */
async function writersOf(workflow: string, ids: readonly string[]): Promise<Map<string, string>> {
  return withClient(async (client) => {
    const s = `"${testSchema()}"`;
    const result = await client.query<{ id: string; writer: string }>(
      `SELECT t.id, t.xmin::text AS writer FROM ${s}.tasks t JOIN ${s}.workflows w ON w.wf = t.wf WHERE w.name = $1 AND t.id = ANY($2)`,
      [workflow, ids],
    );
    return new Map(result.rows.map((row) => [row.id, row.writer]));
  });
}

const tokenOf = (task: ClaimedTask | null | undefined): string => {
  expect(task?.claim_token).toEqual(expect.any(String));
  return (task as ClaimedTask).claim_token;
};

describe.skipIf(!has("postgres"))("PostgresStore's completeAndClaimNext", () => {
  it("writes the completion and the next claim in one transaction", async () => {
    const { tm, workflow } = openWorkflow();
    const [first, second] = (await tm.createTasks([{ type: "job" }, { type: "job" }])).map((task) => task.id) as [string, string];
    const claimed = await tm.getNextTask({ agentId: "a" });
    const { task, next } = await tm.completeAndClaimNext({ taskId: first, agentId: "a", claimToken: tokenOf(claimed), resultData: { n: 1 } });
    expect(task).toMatchObject({ id: first, status: "completed", result: { n: 1 } });
    expect(next).toMatchObject({ id: second, locked_by: "a" });
    const writers = await writersOf(workflow, [first, second]);
    expect(writers.get(first)).toBe(writers.get(second));
    // The claim is the row's as any claim's: its holder's completion takes the fast path again, and the history is whole.
    await tm.completeTask({ taskId: second, agentId: "a", claimToken: tokenOf(next) });
    expect((await tm.getTask(second))?.history?.map((entry) => entry.event)).toEqual(["created", "claimed", "completed"]);
  });

  it("makes the hand-offs asked for together in one statement: each agent its own next task, in claim order", async () => {
    const { tm, workflow } = openWorkflow();
    const agents = ["a0", "a1", "a2", "a3", "a4"];
    const held = (await tm.createTasks(agents.map((_, i) => ({ type: "job", priority: 100 - i })))).map((task) => task.id);
    const queued = (await tm.createTasks(agents.map((_, i) => ({ type: "job", priority: 50 - i })))).map((task) => task.id);
    const claims: ClaimedTask[] = [];
    for (const agentId of agents) claims.push((await tm.getNextTask({ agentId })) as ClaimedTask);
    expect(claims.map((task) => task.id)).toEqual(held);
    const handed = await Promise.all(claims.map((task, i) => tm.completeAndClaimNext({ taskId: task.id, agentId: agents[i] as string, claimToken: tokenOf(task) })));
    expect(handed.map(({ task }) => task.status)).toEqual(agents.map(() => "completed"));
    expect(handed.map(({ next }) => next?.id)).toEqual(queued);
    expect(handed.map(({ next }) => next?.locked_by)).toEqual(agents);
    // The first goes alone while the database is idle; the four asked for meanwhile share the next statement.
    const writers = await writersOf(workflow, [...held, ...queued]);
    expect(new Set(writers.values()).size).toBeLessThanOrEqual(2);
    expect(writers.get(held[4] as string)).toBe(writers.get(queued[4] as string));
  });

  it("answers from the row as it is now when another process took the task: refused, and nothing claimed", async () => {
    const { tm, process: elsewhere } = openWorkflow();
    const [id, other] = (await tm.createTasks([{ type: "job", priority: 1 }, { type: "job" }])).map((task) => task.id) as [string, string];
    const mine = await tm.getNextTask({ agentId: "a" });
    const second = elsewhere();
    await second.releaseTask({ taskId: id, agentId: "person", force: true });
    const theirs = await second.getNextTask({ agentId: "b" });
    expect(theirs?.id).toBe(id);
    expect(await codeOf(tm.completeAndClaimNext({ taskId: id, agentId: "a", claimToken: tokenOf(mine) }))).toBe("NOT_CLAIM_HOLDER");
    expect(await tm.getTask(id)).toMatchObject({ status: "in_progress", locked_by: "b" });
    expect(await tm.getTask(other)).toMatchObject({ status: "pending" });
  });

  it("keeps out of the paths another process holds, in a workflow that began using paths after this process's claim", async () => {
    const { tm, process: elsewhere } = openWorkflow();
    const [plain] = (await tm.createTasks([{ type: "job" }])).map((task) => task.id) as [string];
    const mine = await tm.getNextTask({ agentId: "a" });
    expect(mine?.id).toBe(plain);
    // Meanwhile another process adds tasks with paths and holds src/ by claiming one.
    const other = elsewhere();
    const [holding, blocked, free] = (
      await other.createTasks([
        { type: "job", priority: 9, paths: ["src/**"] },
        { type: "job", priority: 5, paths: ["src/a.ts"] },
        { type: "job", priority: 1, paths: ["docs/**"] },
      ])
    ).map((task) => task.id) as [string, string, string];
    expect((await other.getNextTask({ agentId: "b" }))?.id).toBe(holding);
    const { task, next } = await tm.completeAndClaimNext({ taskId: plain, agentId: "a", claimToken: tokenOf(mine) });
    expect(task.status).toBe("completed");
    expect(next?.id).toBe(free);
    expect(await tm.getTask(blocked)).toMatchObject({ status: "pending" });
  });

  it.each([
    ["completeAndClaimNext", "its id"],
    ["completeTask", "its id"],
    ["completeAndClaimNext", "#0, its idempotency key's task"],
  ] as const)(
    "counts down a dependent created by another process while the %s statement waited for its task's row, naming it by %s",
    async (how, naming) => {
      const { tm, process: elsewhere } = openWorkflow();
      const [dependency, other] = (await tm.createTasks([{ type: "job", priority: 1, idempotencyKey: "dependency" }, { type: "job" }])).map((task) => task.id) as [string, string];
      const claimed = await tm.getNextTask({ agentId: "a" });
      const creator = elsewhere();
      await creator.getStatusSummary();
      // A third connection holds the row a moment, so the completion's one statement takes its snapshot
      // and then waits, while the other process creates a dependent (waiting on the row too) and commits.
      const locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await locker.connect();
      try {
        await locker.query("BEGIN");
        await locker.query(`SELECT 1 FROM "${testSchema()}".tasks WHERE id = $1 FOR SHARE`, [dependency]);
        const input = { taskId: dependency, agentId: "a", claimToken: tokenOf(claimed) };
        const finishing = how === "completeTask" ? tm.completeTask(input).then((task) => ({ task, next: undefined })) : tm.completeAndClaimNext(input);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const creating =
          naming === "its id"
            ? creator.createTasks([{ type: "job", priority: 9, dependsOn: [dependency] }])
            : creator.createTasks([{ type: "job", idempotencyKey: "dependency" }, { type: "job", priority: 9, dependsOn: ["#0"] }]).then((tasks) => tasks.slice(1));
        await new Promise((resolve) => setTimeout(resolve, 200));
        await locker.query("COMMIT");
        const [dependent] = (await creating).map((task) => task.id) as [string];
        const { task, next } = await finishing;
        expect(task.status).toBe("completed");
        expect((await creator.getStatusSummary()).pending_counts.waiting).toBe(0);
        // The dependent was counted down: every task can be claimed (the create waited for the completion, or the reverse).
        const taken = [next?.id, (await creator.getNextTask({ agentId: "b" }))?.id, (await creator.getNextTask({ agentId: "b" }))?.id].filter((id) => id !== undefined);
        expect(new Set(taken)).toEqual(new Set([dependent, other]));
      } finally {
        await locker.end();
      }
    },
  );

  it("says the task was finished when the claim made after its completion fails", async () => {
    const { tm, process: elsewhere } = openWorkflow();
    const [id] = (await tm.createTasks([{ type: "job" }, { type: "job" }])).map((task) => task.id) as [string];
    const claimed = await tm.getNextTask({ agentId: "a" });
    // Another process of the same agent finishes it: it has no row in hand, so it completes, then claims.
    const worker = elsewhere();
    const store = worker.store as PostgresStore;
    store.claimNextTask = () => Promise.reject(new StoreUnavailableError("The database dropped the connection; nothing was changed."));
    const error = await worker.completeAndClaimNext({ taskId: id, agentId: "a", claimToken: tokenOf(claimed) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NextClaimFailedError);
    expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", task: { id, status: "completed" }, message: expect.stringContaining(`Task "${id}" is completed, but claiming the next task failed`) });
    expect((await tm.getTask(id))?.status).toBe("completed");
  });

  it("reports a hand-off whose connection dropped while it waited as maybe applied, with a code; the task is still the holder's, and finishing it again works", async () => {
    const name = `handoff_drop_${process.pid}`;
    const tm = new TaskManager({ store: new PostgresStore({ url: `${TEST_DATABASE_URL}?application_name=${name}`, schema: testSchema(), workflow: name }) });
    try {
      const [id, other] = (await tm.createTasks([{ type: "job", priority: 1 }, { type: "job" }])).map((task) => task.id) as [string, string];
      const mine = await tm.getNextTask({ agentId: "a" });
      const locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await locker.connect();
      try {
        await locker.query("BEGIN");
        await locker.query(`SELECT 1 FROM "${testSchema()}".tasks WHERE id = $1 FOR SHARE`, [id]);
        const handing = tm.completeAndClaimNext({ taskId: id, agentId: "a", claimToken: tokenOf(mine) }).catch((error: unknown) => error);
        const waiting = async () => ((await locker.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name])).rowCount ?? 0) > 0;
        await expect.poll(waiting, { timeout: 5_000 }).toBe(true);
        await withClient((client) => client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name]));
        const error = await handing;
        expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", message: expect.stringMatching(/may/) });
        expect((error as Error).message).not.toMatch(/\bat .*\.js|ECONN|terminating connection/);
      } finally {
        await locker.query("ROLLBACK").catch(() => undefined);
        await locker.end();
      }
      // The statement never committed: the task is still a's, nothing else was claimed, and a's call made again finishes it.
      expect(await tm.getTask(id)).toMatchObject({ status: "in_progress", locked_by: "a" });
      expect(await tm.getTask(other)).toMatchObject({ status: "pending" });
      const again = await tm.completeAndClaimNext({ taskId: id, agentId: "a", claimToken: tokenOf(mine) });
      expect(again).toMatchObject({ task: { id, status: "completed" }, next: { id: other, locked_by: "a" } });
    } finally {
      await tm.close();
    }
  });
});
