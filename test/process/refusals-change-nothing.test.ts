// A call that returns an error changed nothing: LOCK_TIMEOUT always means that, at every
// lock timeout, 0 included, however busy the lock and however long a holder stalls. And
// every error has a documented code, never raw errno text.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AckWorker } from "../helpers/ack-worker.js";
import { fixture } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-dir.js";
import { ERROR_CODES as DOCUMENTED } from "../helpers/refusals.js";

interface Outcome {
  agentId: string;
  op: "create" | "claim" | "complete";
  ok: boolean;
  marker?: string;
  id?: string | null;
  code?: string | null;
  message?: string;
}


function start(stateFile: string, workers: number, lockTimeout: string): AckWorker[] {
  return Array.from({ length: workers }, (_, i) => new AckWorker(fixture("outcome-worker.mjs"), [stateFile, `w${i}`, lockTimeout]));
}

async function stop(workers: AckWorker[]): Promise<Outcome[]> {
  const exits = await Promise.all(workers.map((worker) => worker.stop()));
  exits.forEach((exit, i) => expect(exit.code, workers[i]?.stderr).toBe(0));
  return workers.flatMap((worker) => worker.acks as unknown as Outcome[]);
}

/** What the file holds agrees with what the callers were told, and errors are all coded. */
async function expectOutcomesMatchTheFile(stateFile: string, outcomes: Outcome[]): Promise<void> {
  for (const failed of outcomes.filter((outcome) => !outcome.ok)) {
    expect(DOCUMENTED, `${failed.op}: ${failed.message}`).toContain(failed.code);
    expect(failed.message).not.toMatch(/\bE[A-Z]{3,}\b|errno|\n\s+at /);
  }
  const state = JSON.parse(await readFile(stateFile, "utf8")) as { tasks: Record<string, { status: string; data: { marker: string } }> };
  const tasks = Object.values(state.tasks);
  // Exactly the creates that were acknowledged made a task; none that was refused did.
  const acknowledged = outcomes.filter((outcome) => outcome.op === "create" && outcome.ok).map((outcome) => outcome.marker);
  expect(tasks.map((task) => task.data.marker).sort()).toEqual(acknowledged.sort());
  // Every claim that was acknowledged was completed; a claim refused took no task.
  expect(tasks.filter((task) => task.status === "in_progress")).toEqual([]);
  const claimed = outcomes.filter((outcome) => outcome.op === "claim" && outcome.ok && outcome.id).map((outcome) => outcome.id);
  expect(new Set(claimed).size).toBe(claimed.length);
  expect(tasks.filter((task) => task.status === "completed")).toHaveLength(claimed.length);
}

describe("a refused call changed nothing", () => {
  it.each(["0", "0.05"])("with lock timeout %s s and 8 processes racing", async (lockTimeout) => {
    const dir = await tempDir();
    const stateFile = join(dir, "busy.json");
    const workers = start(stateFile, 8, lockTimeout);
    await Promise.all(workers.map((worker) => worker.nextAcks(30)));
    const outcomes = await stop(workers);
    // The lock was contended: some calls were refused, or the test proved little.
    expect(outcomes.filter((outcome) => outcome.code === "LOCK_TIMEOUT").length).toBeGreaterThan(0);
    await expectOutcomesMatchTheFile(stateFile, outcomes);
    // Once no call is in flight, the state directory holds the state file and nothing else.
    expect(await readdir(dir)).toEqual(["busy.json"]);
  }, 120_000);

  it("while a holder stalls (SIGSTOP) past the others' lock timeout, then carries on", async () => {
    const dir = await tempDir();
    const stateFile = join(dir, "stalled.json");
    const workers = start(stateFile, 3, "0.5");
    const [stalling] = workers as [AckWorker];
    for (let round = 0; round < 8; round++) {
      await Promise.all(workers.map((worker) => worker.nextAcks(3)));
      stalling.child.kill("SIGSTOP"); // at whatever step it is in, often holding the lock
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      stalling.child.kill("SIGCONT");
    }
    const outcomes = await stop(workers);
    await expectOutcomesMatchTheFile(stateFile, outcomes);
    expect(await readdir(dir)).toEqual(["stalled.json"]);
  }, 120_000);
});
