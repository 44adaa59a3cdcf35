/**
 * Many machines: several MCP server processes, each with its own agent name and its own
 * connections, work one workflow through PostgreSQL, as agents on separate machines
 * would. Every task is claimed exactly once; a server killed while holding a claim loses
 * nothing: its lease runs out and an agent waiting elsewhere takes the task. A client
 * subscribed on one server hears of changes made through another.
 */
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, expect, it } from "vitest";
import { EventLog } from "../helpers/events.js";
import { ok, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { TEST_DATABASE_URL, freshSchema } from "../helpers/postgres.js";
import { has } from "../helpers/requirements.js";

const MACHINES = 3;
const TASKS = 45;

type Claimed = { task: { id: string; locked_by: string; attempts: number } | null };

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close().catch(() => {})));
});

function machine(schema: string, agent: string): Promise<RunningServer> {
  return startServer({
    clientName: agent,
    args: ["--store", "postgres", "--agent-id", agent],
    env: { TASK_MANAGER_DATABASE_URL: TEST_DATABASE_URL, TASK_MANAGER_DATABASE_SCHEMA: schema },
  });
}

it.skipIf(!has("postgres"))(`${MACHINES} server processes race one workflow through PostgreSQL: each task claimed exactly once; a killed holder's task is taken over after its lease`, async () => {
  const schema = freshSchema();
  const servers = await Promise.all(Array.from({ length: MACHINES }, (_, i) => machine(schema, `machine-${i}`)));
  running.push(...servers);
  const [planner, victim] = servers as [RunningServer, RunningServer, ...RunningServer[]];

  // The victim claims first, with a short lease, and is killed (SIGKILL: no goodbye) while holding it.
  const doomed = ok<{ task: { id: string } }>(await planner.call("create_task", { workflow: "race", task_type: "doomed" })).task.id;
  const held = ok<Claimed>(await victim.call("get_next_task", { workflow: "race", task_types: ["doomed"], lease_seconds: 2 })).task;
  expect(held?.id).toBe(doomed);
  const pid = (victim.client.transport as StdioClientTransport | undefined)?.pid;
  expect(pid).toBeTypeOf("number");
  process.kill(pid as number, "SIGKILL");

  const created = new Set<string>();
  const batch = ok<{ ids: string[] }>(
    await planner.call("create_tasks", { workflow: "race", tasks: Array.from({ length: TASKS }, (_, i) => ({ task_type: "job", data: { i } })) }),
  );
  for (const id of batch.ids) created.add(id);
  expect(created.size).toBe(TASKS);

  const survivors = servers.filter((server) => server !== victim);
  const claimsByMachine = await Promise.all(
    survivors.map(async (server) => {
      const mine: string[] = [];
      for (;;) {
        const { task } = ok<Claimed>(await server.call("get_next_task", { workflow: "race", task_types: ["job"] }));
        if (!task) return mine;
        mine.push(task.id);
        ok(await server.call("complete_task", { workflow: "race", task_id: task.id }));
      }
    }),
  );
  const claimed = claimsByMachine.flat();
  expect(claimed).toHaveLength(TASKS);
  expect(new Set(claimed)).toEqual(created);
  expect(claimsByMachine.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);

  // The killed machine's task: still held until its lease runs out, then a waiting agent elsewhere takes it.
  const rescuer = survivors[1] as RunningServer;
  const rescued = ok<Claimed>(await rescuer.call("get_next_task", { workflow: "race", task_types: ["doomed"], wait_seconds: 30 })).task;
  expect(rescued).toMatchObject({ id: doomed, locked_by: "machine-2", attempts: 2 });
  ok(await rescuer.call("complete_task", { workflow: "race", task_id: doomed }));

  const summary = ok<{ total_tasks: number; status_counts: Record<string, number> }>(await planner.call("summary", { workflow: "race" }));
  expect(summary).toMatchObject({ total_tasks: TASKS + 1, status_counts: { pending: 0, in_progress: 0, completed: TASKS + 1 } });
  const history = ok<{ task: { history: { event: string; agent?: string }[] } }>(await planner.call("get_task", { workflow: "race", task_id: doomed })).task.history;
  expect(history.map((entry) => entry.event)).toEqual(["created", "claimed", "lease_expired", "retry_scheduled", "claimed", "completed"]);
  expect(history[1]?.agent).toBe("machine-1");
  expect(history[4]?.agent).toBe("machine-2");
});

it.skipIf(!has("postgres"))("notifies a client subscribed on one server of a task created through another machine's server, via LISTEN/NOTIFY", async () => {
  const schema = freshSchema();
  const [watcher, writer] = await Promise.all([machine(schema, "watcher"), machine(schema, "writer")]);
  running.push(watcher, writer);
  ok(await writer.call("create_task", { workflow: "live", task_type: "first" }));
  const notices = new EventLog<{ method: string; uri?: string }>();
  watcher.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => notices.push({ method: n.method, uri: n.params.uri }));
  watcher.client.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => notices.push({ method: n.method }));
  await watcher.client.subscribeResource({ uri: "workflow://live" });

  ok(await writer.call("create_task", { workflow: "live", task_type: "second" }));
  await notices.waitFor((notice) => notice.method === "notifications/resources/updated" && notice.uri === "workflow://live");

  const mark = notices.mark;
  ok(await writer.call("create_task", { workflow: "brand-new", task_type: "t" }));
  await notices.waitFor((notice) => notice.method === "notifications/resources/list_changed", undefined, mark);
});
