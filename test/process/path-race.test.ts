import { describe, expect, it } from "vitest";
import { pathsOverlap, TaskManager, type Task, type TaskManagerOptions } from "../../src/index.js";
import { fixture } from "../helpers/paths.js";
import { freshSchema, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { runNode } from "../helpers/processes.js";
import { has } from "../helpers/requirements.js";
import { tempDir } from "../helpers/temp-dir.js";

const AGENTS = 6;
const TASKS = 300;
/** Few names, some of them globs and directories, so random picks overlap often. */
const NAMES = ["src/a.ts", "src/b.ts", "src/auth/**", "src/auth/login.ts", "src", "docs/*.md", "docs/guide.md", "lib/x.ts", "lib/**", "README.md", "test/a.test.ts", "test/**/*.ts"];

/** A small seeded generator, so a failure can be run again with the same tasks. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function randomPaths(next: () => number): string[] | undefined {
  if (next() < 0.1) return undefined;
  const count = 1 + Math.floor(next() * 3);
  return Array.from({ length: count }, () => NAMES[Math.floor(next() * NAMES.length)] as string);
}

interface Held {
  task: Task;
  agent: string;
  from: number;
  to: number;
}

/** Each task's claim, from its history: who held it, from when to when. */
function heldSpans(tasks: Task[]): Held[] {
  return tasks.map((task) => {
    const claimed = task.history?.find((entry) => entry.event === "claimed");
    const done = task.history?.find((entry) => entry.event === "completed");
    return { task, agent: claimed?.agent ?? "", from: Date.parse(claimed?.at ?? ""), to: Date.parse(done?.at ?? "") };
  });
}

const STORES: { name: string; needs?: "postgres"; options: () => Promise<TaskManagerOptions> }[] = [
  { name: "json", options: async () => ({ store: "json", stateDir: await tempDir(), workflow: "race" }) },
  { name: "sqlite", options: async () => ({ store: "sqlite", stateDir: await tempDir(), workflow: "race" }) },
  { name: "postgres", needs: "postgres", options: async () => ({ store: "postgres", databaseUrl: TEST_DATABASE_URL, databaseSchema: freshSchema(), workflow: "race" }) },
];

describe.each(STORES)("$name: 6 agents drain 300 tasks whose paths overlap at random", ({ needs, options: makeOptions }) => {
  it.skipIf(needs !== undefined && !has(needs))("never has two overlapping tasks of different agents in progress at once, and does every task once", async () => {
    const options = await makeOptions();
    const tm = new TaskManager(options);
    try {
      const next = random(19);
      const created = await tm.createTasks(Array.from({ length: TASKS }, (_, i) => ({ type: "edit", data: { i }, paths: randomPaths(next), priority: Math.floor(next() * 3) })));
      const startAt = String(Date.now() + 1_500);
      const workers = await Promise.all(Array.from({ length: AGENTS }, (_, i) => runNode(fixture("path-worker.mjs"), [JSON.stringify(options), `agent-${i}`, startAt])));
      for (const worker of workers) expect(worker.code, worker.stderr).toBe(0);
      const claims = workers.flatMap((worker) => (JSON.parse(worker.stdout) as { claimed: string[] }).claimed);
      expect(claims).toHaveLength(TASKS);
      expect(new Set(claims)).toEqual(new Set(created.map((task) => task.id)));

      const tasks = (await tm.listTasks({ limit: 500 })).tasks;
      expect(tasks.every((task) => task.status === "completed" && task.attempts === 1)).toBe(true);
      const spans = heldSpans(tasks);
      let overlappingPairs = 0;
      for (const [i, a] of spans.entries()) {
        for (const b of spans.slice(i + 1)) {
          if (a.agent === b.agent || !(a.task.paths ?? []).some((p) => (b.task.paths ?? []).some((q) => pathsOverlap(p, q)))) continue;
          overlappingPairs += 1;
          // One ended before (or as) the other began: the second was claimed after the first was completed.
          expect(a.to <= b.from || b.to <= a.from, `${a.task.id} (${a.agent}) and ${b.task.id} (${b.agent}) overlap in time: ${JSON.stringify([a.task.paths, a.task.history, b.task.paths, b.task.history])}`).toBe(true);
        }
      }
      expect(overlappingPairs).toBeGreaterThan(1000); // the race really had conflicts to respect
      expect(new Set(spans.map((span) => span.agent)).size).toBeGreaterThan(1);
    } finally {
      await tm.close();
    }
  });
});
