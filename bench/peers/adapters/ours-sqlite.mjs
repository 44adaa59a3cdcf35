/**
 * task-manager-mcp's SQLite store (this repository, from its built dist, copied to node_modules/task-manager-mcp by
 * bench.mjs, so that it loads bench/peers' better-sqlite3). A fresh state directory per run,
 * removed after. Durable: WAL with synchronous=FULL (the store's default, set explicitly here).
 */
import { rmSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { TaskManager } from "task-manager-mcp";
import { oursQueue, randomName } from "../lib/loops.mjs";

export default {
  name: "ours-sqlite",
  label: "ours, SQLite (synchronous FULL)",
  database: "sqlite",
  ours: true,

  async setup({ scratch }) {
    const dir = join(scratch, randomName("ours"));
    mkdirSync(dir, { recursive: true });
    return { dir };
  },

  async connect({ dir }) {
    const tm = new TaskManager({ store: "sqlite", stateDir: dir, workflow: "bench", sqliteSynchronous: "full", lockTimeout: 120 });
    await tm.getStatusSummary();
    return oursQueue(tm);
  },

  async verify({ dir }) {
    const db = new Database(join(dir, "tasks.sqlite"), { readonly: true });
    try {
      return db
        .prepare(`SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
                         count(*) FILTER (WHERE status <> 'completed') AS left_over,
                         count(*) FILTER (WHERE json_extract(body, '$.attempts') <> 1) AS reclaimed FROM tasks`)
        .get();
    } finally {
      db.close();
    }
  },

  async teardown({ dir }) {
    rmSync(dir, { recursive: true, force: true });
  },
};
