/**
 * completeAndClaimNext across racing processes, on every store: three processes of three
 * agents each finish every task with it, while a person takes tasks back from their holders.
 * Every task is completed exactly once, by the agent that held it then; a dependent is never
 * handed out before its dependency completed; a holder whose task was taken back is refused.
 */
import { describe, expect, it } from "vitest";
import { TaskManager, type Task, type TaskManagerOptions } from "../../src/index.js";
import { fixture } from "../helpers/paths.js";
import { freshSchema, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { runNode } from "../helpers/processes.js";
import { has } from "../helpers/requirements.js";
import { tempDir } from "../helpers/temp-dir.js";

const PROCESSES = 3;
const LOOPS = 3;
const INDEPENDENT = 120;
const CHAINS = 30;
const CHAIN_LENGTH = 4;

interface Report {
  claimed: { id: string; agent: string; early: string[] }[];
  lost: string[];
}

const STORES: { name: string; needs?: "postgres"; options: () => Promise<TaskManagerOptions> }[] = [
  { name: "json", options: async () => ({ store: "json", stateDir: await tempDir(), workflow: "handoff" }) },
  { name: "sqlite", options: async () => ({ store: "sqlite", stateDir: await tempDir(), workflow: "handoff" }) },
  { name: "postgres", needs: "postgres", options: async () => ({ store: "postgres", databaseUrl: TEST_DATABASE_URL, databaseSchema: freshSchema(), workflow: "handoff" }) },
];

async function allTasks(tm: TaskManager): Promise<Task[]> {
  return (await tm.listTasks({ limit: 500 })).tasks;
}

describe.each(STORES)("$name: 3 processes × 3 agents finish every task by completeAndClaimNext", ({ needs, options: makeOptions }) => {
  it.skipIf(needs !== undefined && !has(needs))("completes each task once, in dependency order, and refuses holders whose task was taken back", async () => {
    const options = await makeOptions();
    const tm = new TaskManager(options);
    try {
      await tm.createTasks(Array.from({ length: INDEPENDENT }, (_, i) => ({ type: "job", data: { i }, priority: i % 3 })));
      for (let chain = 0; chain < CHAINS; chain++) {
        // Later steps rank higher: only the dependency keeps them back.
        await tm.createTasks(Array.from({ length: CHAIN_LENGTH }, (_, step) => ({ type: "job", data: { chain, step }, priority: step, dependsOn: step === 0 ? [] : [`#${step - 1}`] })));
      }
      const total = INDEPENDENT + CHAINS * CHAIN_LENGTH;
      const startAt = Date.now() + 1_500;
      const running = Promise.all(
        Array.from({ length: PROCESSES }, (_, p) => runNode(fixture("handoff-worker.mjs"), [JSON.stringify(options), `p${p}`, String(LOOPS), String(startAt)])),
      );
      // A person takes tasks back from their holders while the agents work.
      const takenBack = new Set<string>();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
      for (let round = 0; round < 20 && takenBack.size < 10; round++) {
        const held = (await tm.listTasks({ status: "in_progress", limit: 5 })).tasks;
        const victim = held[round % Math.max(1, held.length)];
        if (victim !== undefined) {
          await tm.releaseTask({ taskId: victim.id, agentId: "person", force: true }).then(
            () => takenBack.add(victim.id),
            () => undefined, // finished meanwhile
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      const workers = await running;
      for (const worker of workers) expect(worker.code, worker.stderr).toBe(0);
      const reports = workers.map((worker) => JSON.parse(worker.stdout) as Report);
      const claims = reports.flatMap((report) => report.claimed);

      const tasks = await allTasks(tm);
      expect(tasks).toHaveLength(total);
      expect(tasks.filter((task) => task.status !== "completed")).toEqual([]);
      for (const task of tasks) {
        const events = task.history?.map((entry) => entry.event) ?? [];
        // Completed once, by the holder of its last claim.
        expect(events.filter((event) => event === "completed"), task.id).toHaveLength(1);
        const lastClaim = task.history?.filter((entry) => entry.event === "claimed").at(-1);
        expect((task.result as { by?: string }).by, task.id).toBe(lastClaim?.agent);
        // Claimed once, plus once more for each time a person took it back.
        const releases = events.filter((event) => event === "released").length;
        expect(task.attempts, task.id).toBe(1 + releases);
        expect(claims.filter((claim) => claim.id === task.id), task.id).toHaveLength(task.attempts ?? 0);
      }
      expect(claims.filter((claim) => claim.early.length > 0)).toEqual([]);
      // Some tasks were taken back, and each holder that lost one was refused, not allowed to finish it.
      expect(takenBack.size).toBeGreaterThan(0);
      const lost = reports.flatMap((report) => report.lost);
      for (const id of lost) expect(takenBack.has(id)).toBe(true);
      // The work was shared.
      expect(reports.filter((report) => report.claimed.length > 0).length).toBeGreaterThan(1);
    } finally {
      await tm.close();
    }
  });
});
