/**
 * Several MCP clients, each with its own server process, racing get_next_task on one
 * workflow: every task is claimed exactly once and ends completed by its claimer.
 */
import { afterEach, expect, it } from "vitest";
import { ok, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp-dir.js";

const AGENTS = 4;
const TASKS = 40;

type Claimed = { task: { id: string; locked_by: string } | null };

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

it(`${AGENTS} clients racing for ${TASKS} tasks claim each exactly once`, async () => {
  const stateDir = await tempDir();
  const agents = await Promise.all(
    Array.from({ length: AGENTS }, (_, i) => startServer({ stateDir, clientName: `racer-${i}` })),
  );
  running.push(...agents);
  const planner = agents[0] as RunningServer;
  const created = new Set<string>();
  for (let i = 0; i < TASKS; i++) {
    created.add(ok<{ task: { id: string } }>(await planner.call("create_task", { workflow: "race", task_type: "job", data: { i } })).task.id);
  }

  const claimsByAgent = await Promise.all(
    agents.map(async (agent, i) => {
      const mine: string[] = [];
      for (;;) {
        const { task } = ok<Claimed>(await agent.call("get_next_task", { workflow: "race" }));
        if (!task) return mine;
        expect(task.locked_by).toBe(`racer-${i}`);
        mine.push(task.id);
        ok(await agent.call("complete_task", { workflow: "race", task_id: task.id, result_data: { by: i } }));
      }
    }),
  );

  const claimed = claimsByAgent.flat();
  expect(claimed).toHaveLength(TASKS);
  expect(new Set(claimed)).toEqual(created);
  expect(ok(await planner.call("summary", { workflow: "race" }))).toMatchObject({
    total_tasks: TASKS,
    status_counts: { pending: 0, in_progress: 0, completed: TASKS },
  });
  // The work was shared: with a lock round trip per claim, no single client takes everything.
  expect(claimsByAgent.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
});
