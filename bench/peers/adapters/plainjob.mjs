/**
 * plainjob 0.0.14 on better-sqlite3. A fresh database file per run, removed after. plainjob opens
 * WAL with synchronous=NORMAL; the adapter sets synchronous=FULL on each connection after
 * defineQueue, to match our SQLite store's durability, and busy_timeout to 120 s as ours. Fill: addMany() in calls of 1,000 (one
 * transaction each). Worker: what plainjob's own worker does per job — getAndMarkJobAsProcessing,
 * getJobById, await the (empty) processor, markJobAsDone — until nothing is left to claim.
 * plainjob is synchronous, so W loops in one process take turns on one connection.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { better, defineQueue } from "plainjob";
import { chunks, loopsUntilEmpty, randomName } from "../lib/loops.mjs";

const TYPE = "bench";
const silent = { error: (...args) => console.error("plainjob:", ...args), warn: () => {}, info: () => {}, debug: () => {} };

function open(file) {
  const db = new Database(file);
  const queue = defineQueue({ connection: better(db), logger: silent, maintenanceInterval: 3_600_000 });
  db.pragma("synchronous = FULL");
  // plainjob waits 5 s for SQLite's write lock; ours waits up to lockTimeout (120 s in its adapter).
  // The same patience for both: on a loaded machine 4 processes can queue longer than 5 s.
  db.pragma("busy_timeout = 120000");
  return { db, queue };
}

export default {
  name: "plainjob",
  label: "plainjob (FULL)",
  package: "plainjob",
  database: "sqlite",

  async setup({ scratch }) {
    const dir = join(scratch, randomName("plainjob"));
    mkdirSync(dir, { recursive: true });
    const { db, queue } = open(join(dir, "queue.db"));
    queue.close();
    db.close();
    return { dir };
  },

  async connect({ dir }) {
    const { db, queue } = open(join(dir, "queue.db"));
    return {
      async fill(n) {
        for (const [start, end] of chunks(n)) {
          queue.addMany(TYPE, Array.from({ length: end - start }, (_, k) => ({ i: start + k })));
        }
      },
      drain: (loopCount) =>
        loopsUntilEmpty(loopCount, async () => {
          const claimed = queue.getAndMarkJobAsProcessing(TYPE);
          if (!claimed) return null;
          const job = queue.getJobById(claimed.id);
          await Promise.resolve(); // the processor, which does nothing
          queue.markJobAsDone(job.id);
          return JSON.parse(job.data).i;
        }),
      async close() {
        queue.close();
        db.close();
      },
    };
  },

  async verify({ dir }) {
    const db = new Database(join(dir, "queue.db"), { readonly: true });
    try {
      return db
        .prepare(`SELECT count(*) FILTER (WHERE status = 2) AS completed, count(*) FILTER (WHERE status <> 2) AS left_over, NULL AS reclaimed FROM plainjob_jobs`)
        .get();
    } finally {
      db.close();
    }
  },

  async teardown({ dir }) {
    rmSync(dir, { recursive: true, force: true });
  },
};
