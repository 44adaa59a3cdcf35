/**
 * The SQLite store across real processes: racing claims hand every task out once,
 * SIGKILLs at random moments lose nothing acknowledged and leave the database
 * consistent, and a process waiting for work wakes when another one adds it.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SQLITE_FILE_NAME, TaskManager } from "../../src/index.js";
import { AckWorker, type Ack } from "../helpers/ack-worker.js";
import { fixture } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";

const worker = fixture("store-worker.mjs");
const opened: TaskManager[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tm) => tm.close()));
});

function open(stateDir: string, workflow = "race"): TaskManager {
  const tm = new TaskManager({ store: "sqlite", stateDir, workflow });
  opened.push(tm);
  return tm;
}

/**
 * What the database derives must agree with the tasks themselves: the counts kept by
 * triggers, and each pending task's count of dependencies not completed.
 */
function assertConsistent(file: string): void {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const counted = db.prepare("SELECT wf, type, status, n FROM task_counts WHERE n <> 0 ORDER BY wf, type, status").all();
    const actual = db.prepare("SELECT wf, type, status, count(*) AS n FROM tasks GROUP BY wf, type, status ORDER BY wf, type, status").all();
    expect(counted).toEqual(actual);
    const wrongUnmet = db
      .prepare(
        `SELECT t.id, t.unmet_deps, (SELECT count(*) FROM task_deps d LEFT JOIN tasks dep ON dep.wf = d.wf AND dep.id = d.dep_id
           WHERE d.wf = t.wf AND d.task_seq = t.seq AND (dep.status IS NULL OR dep.status <> 'completed')) AS expected
         FROM tasks t WHERE t.status = 'pending'`,
      )
      .all()
      .filter((row) => (row as { unmet_deps: number; expected: number }).unmet_deps !== (row as { expected: number }).expected);
    expect(wrongUnmet).toEqual([]);
    // The body is the truth the columns are derived from.
    const mismatched = db.prepare("SELECT id FROM tasks WHERE status <> json_extract(body, '$.status')").all();
    expect(mismatched).toEqual([]);
  } finally {
    db.close();
  }
}

describe("several processes on one SQLite database", () => {
  it("hands every task to exactly one process", async () => {
    const stateDir = await tempDir();
    const tm = open(stateDir);
    const created = await tm.createTasks(Array.from({ length: 300 }, (_, i) => ({ type: "work", data: { i } })));
    const startAt = String(Date.now() + 1_500); // all four up before any claims: SQLite drains 300 tasks faster than a process starts
    const runs = await Promise.all(["w1", "w2", "w3", "w4"].map((agent) => runNode(worker, [stateDir, "sqlite", "race", agent, "drain", startAt])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const claims = runs.flatMap((run) => (JSON.parse(run.stdout) as { claimed: string[] }).claimed);
    expect(claims).toHaveLength(created.length);
    expect(new Set(claims)).toEqual(new Set(created.map((task) => task.id)));
    const summary = await tm.getStatusSummary();
    expect(summary.status_counts.completed).toBe(created.length);
    const tasks = (await tm.listTasks({ limit: 500 })).tasks;
    expect(tasks.every((task) => task.attempts === 1)).toBe(true);
    expect(runs.filter((run) => (JSON.parse(run.stdout) as { claimed: string[] }).claimed.length > 0).length).toBeGreaterThan(1);
    assertConsistent(join(stateDir, SQLITE_FILE_NAME));
  });

  it("loses nothing acknowledged, and stays consistent, over 12 SIGKILLs at random moments", async () => {
    const stateDir = await tempDir();
    const survivor = new AckWorker(worker, [stateDir, "sqlite", "crash", "survivor", "crash"]);
    const acks: Ack[][] = [survivor.acks];
    await survivor.nextAcks(1);
    for (let round = 0; round < 12; round++) {
      const victim = new AckWorker(worker, [stateDir, "sqlite", "crash", `victim-${round}`, "crash"]);
      acks.push(victim.acks);
      await victim.nextAcks(1);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
      await victim.kill();
      await survivor.nextAcks(3); // the others carry on
    }
    expect((await survivor.stop()).code, survivor.stderr).toBe(0);

    const tm = open(stateDir, "crash");
    for (const ack of acks.flat()) {
      const task = await tm.getTask(ack.id);
      expect(task, `${ack.op} of ${ack.id} by ${ack.agentId} was acknowledged but is missing`).not.toBeNull();
      if (ack.op === "claim") expect(task?.attempts).toBeGreaterThanOrEqual(ack.attempt ?? 1);
      if (ack.op === "complete") expect(task?.status).toBe("completed");
    }
    assertConsistent(join(stateDir, SQLITE_FILE_NAME));
  }, 120_000);

  it("wakes a process waiting for work as soon as another process adds some", async () => {
    const stateDir = await tempDir();
    const tm = open(stateDir, "queue");
    await tm.updateWorkflowMetadata({ purpose: "exists before the waiter starts" });
    const waiter = spawn(process.execPath, [worker, stateDir, "sqlite", "queue", "waiter", "wait"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const done = new Promise<number | null>((resolve) => waiter.on("close", resolve));
    await new Promise<void>((resolve) => {
      waiter.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
        if (output.includes("waiting")) resolve();
      });
    });
    const id = await tm.createTask({ type: "job" });
    expect(await done).toBe(0);
    // Well within the waiter's 30 s: it was woken by the change, not by its deadline.
    expect(JSON.parse(output.trim().split("\n").pop() ?? "{}")).toEqual({ claimed: id });
  });
});
