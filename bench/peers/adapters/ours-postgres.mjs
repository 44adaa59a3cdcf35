/**
 * task-manager-mcp's PostgreSQL store (this repository, from its built dist, copied to node_modules/task-manager-mcp
 * by bench.mjs). A fresh schema per run, dropped after. Fill: createTasks in calls of 1,000.
 * Worker: getNextTask → completeTask until getNextTask answers null. Durable: synchronousCommit
 * "on" (the default), so every commit waits for the WAL flush.
 */
import { PostgresStore, TaskManager } from "task-manager-mcp";
import { oursQueue, randomName } from "../lib/loops.mjs";
import { dropSchema, withClient } from "../lib/pg.mjs";

export default {
  name: "ours-postgres",
  label: "ours, PostgreSQL",
  database: "postgresql",
  ours: true,

  async setup({ url }) {
    return { url, schema: randomName("peers_ours") };
  },

  async connect({ url, schema }, { loops }) {
    const tm = new TaskManager({ store: new PostgresStore({ url, schema, workflow: "bench", poolSize: loops + 1, synchronousCommit: "on" }) });
    await tm.getStatusSummary(); // connected, schema created/read: not timed
    return oursQueue(tm);
  },

  async verify({ url, schema }) {
    const { rows } = await withClient(url, (c) =>
      c.query(`SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
                      count(*) FILTER (WHERE status <> 'completed')::int AS left_over,
                      count(*) FILTER (WHERE (body::jsonb->>'attempts')::int <> 1)::int AS reclaimed
               FROM "${schema}".tasks`),
    );
    return rows[0];
  },

  teardown: ({ url, schema }) => dropSchema(url, schema),
};
