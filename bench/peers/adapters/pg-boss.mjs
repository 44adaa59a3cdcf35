/**
 * pg-boss 12. A fresh schema per run (pg-boss installs into it), dropped after. Fill: insert() in
 * calls of 1,000. Worker: fetch() (one job) → complete() until fetch answers none — pg-boss's own
 * claim and completion, without work()'s polling timer in between. supervise/schedule off in the
 * workers so no maintenance runs during the drain. Durable: PostgreSQL's synchronous_commit is on
 * (the server default; run.mjs checks it) and pg-boss does not turn it off.
 */
import { PgBoss } from "pg-boss";
import { chunks, loopsUntilEmpty, randomName } from "../lib/loops.mjs";
import { dropSchema, withClient } from "../lib/pg.mjs";

const QUEUE = "bench";
const quiet = { supervise: false, schedule: false };

export default {
  name: "pg-boss",
  label: "pg-boss",
  package: "pg-boss",
  database: "postgresql",

  async setup({ url }) {
    const schema = randomName("peers_pgboss");
    const boss = new PgBoss({ connectionString: url, schema, max: 2, ...quiet });
    boss.on("error", () => {});
    await boss.start();
    await boss.createQueue(QUEUE);
    await boss.stop({ graceful: false, close: true });
    return { url, schema };
  },

  async connect({ url, schema }, { loops }) {
    const boss = new PgBoss({ connectionString: url, schema, max: loops + 1, migrate: false, ...quiet });
    boss.on("error", (error) => console.error("pg-boss:", error));
    await boss.start();
    return {
      async fill(n) {
        for (const [start, end] of chunks(n)) {
          await boss.insert(QUEUE, Array.from({ length: end - start }, (_, k) => ({ data: { i: start + k } })));
        }
      },
      drain: (loopCount) =>
        loopsUntilEmpty(loopCount, async () => {
          const [job] = await boss.fetch(QUEUE);
          if (!job) return null;
          await boss.complete(QUEUE, job.id);
          return job.data.i;
        }),
      close: () => boss.stop({ graceful: false, close: true }),
    };
  },

  async verify({ url, schema }) {
    const { rows } = await withClient(url, (c) =>
      c.query(`SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed,
                      count(*) FILTER (WHERE state <> 'completed')::int AS left_over,
                      count(*) FILTER (WHERE retry_count <> 0)::int AS reclaimed
               FROM "${schema}".job WHERE name = '${QUEUE}'`),
    );
    return rows[0];
  },

  teardown: ({ url, schema }) => dropSchema(url, schema),
};
