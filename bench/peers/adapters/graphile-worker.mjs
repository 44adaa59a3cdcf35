/**
 * graphile-worker 0.18, default options. A fresh schema per run (its migrations run at setup),
 * dropped after. Fill: addJobs() in calls of 1,000. Worker: runOnce() with `concurrency` = the
 * loops of this process and a task that does nothing; runOnce returns once the queue is empty.
 * graphile-worker deletes a job when it completes, so the database check is "no job left", and
 * exactly-once comes from the task's own record of the payloads it ran (checked by run.mjs).
 * Durable: synchronous_commit on (the server default; run.mjs checks it).
 */
import pg from "pg";
import { Logger, makeWorkerUtils, runMigrations, runOnce } from "graphile-worker";
import { chunks, randomName } from "../lib/loops.mjs";
import { dropSchema, withClient } from "../lib/pg.mjs";

const silent = new Logger(() => (level, message) => {
  if (level === "error") console.error("graphile-worker:", message);
});

/** The batching variant (adapters/graphile-worker-batched.mjs) passes a preset here. */
export function graphileAdapter({ name, label, preset }) {
  return {
    name,
    label,
    package: "graphile-worker",
    database: "postgresql",
    options: preset ?? null,

    async setup({ url }) {
      const schema = randomName("peers_gw");
      await runMigrations({ connectionString: url, schema, logger: silent });
      return { url, schema };
    },

    async connect({ url, schema }, { loops, role }) {
      const pgPool = new pg.Pool({ connectionString: url, max: loops + 2 });
      pgPool.on("error", (error) => console.error("graphile-worker pool:", error.message));
      pgPool.on("connect", (client) => client.on("error", (error) => console.error("graphile-worker client:", error.message)));
      // Open the pool's connections before the clock starts.
      const clients = await Promise.all(Array.from({ length: loops + 1 }, () => pgPool.connect()));
      for (const client of clients) client.release();
      const utils = role === "fill" ? await makeWorkerUtils({ pgPool, schema, logger: silent }) : null;
      return {
        async fill(n) {
          for (const [start, end] of chunks(n)) {
            await utils.addJobs(Array.from({ length: end - start }, (_, k) => ({ identifier: "bench", payload: { i: start + k } })));
          }
        },
        async drain(loopCount) {
          const keys = [];
          await runOnce({
            pgPool,
            schema,
            concurrency: loopCount,
            noHandleSignals: true,
            logger: silent,
            ...(preset ? { preset } : {}),
            taskList: {
              bench: async (payload) => {
                keys.push(payload.i);
              },
            },
          });
          return keys;
        },
        async close() {
          await utils?.release();
          await pgPool.end();
        },
      };
    },

    async verify({ url, schema }) {
      const { rows } = await withClient(url, (c) => c.query(`SELECT count(*)::int AS left_over FROM "${schema}"._private_jobs`));
      return { completed: null, left_over: rows[0].left_over, reclaimed: null };
    },

    teardown: ({ url, schema }) => dropSchema(url, schema),
  };
}

export default graphileAdapter({ name: "graphile-worker", label: "graphile-worker" });
