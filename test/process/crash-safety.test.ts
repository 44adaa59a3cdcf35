import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseWhole } from "../../src/store/json/layout.js";
import { lockPathFor } from "../../src/store/json/file-lock.js";
import type { WorkflowState } from "../../src/index.js";
import { AckWorker, type Ack } from "../helpers/ack-worker.js";
import { fixture } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-dir.js";

const LOCK_STALE_MS = 2_000;
const LANES = 5;
const ROUNDS_PER_LANE = 10;

/** Every acknowledged operation must be visible in the state file. */
function assertAcknowledged(state: WorkflowState, acks: readonly Ack[]): void {
  for (const ack of acks) {
    const task = state.tasks[ack.id];
    expect(task, `${ack.op} of ${ack.id} by ${ack.agentId} was acknowledged but is missing`).toBeDefined();
    if (ack.op === "claim") expect(task?.attempts ?? 0).toBeGreaterThanOrEqual(ack.attempt ?? 1);
    if (ack.op === "complete") expect(task?.status, `acknowledged completion of ${ack.id} by ${ack.agentId} is lost: ${JSON.stringify(task)}`).toBe("completed");
  }
}

async function readValidState(stateFile: string): Promise<WorkflowState> {
  return parseWhole(stateFile, await readFile(stateFile)); // throws STATE_FILE_CORRUPT if not whole and valid
}

interface LaneReport {
  killsHoldingLock: number;
  killsMidWrite: number;
}

/** One state file, a long-lived survivor, and a victim per round killed at a random moment. */
async function runLane(dir: string, lane: number): Promise<LaneReport> {
  const stateFile = join(dir, `lane${lane}.json`);
  const worker = fixture("crash-worker.mjs");
  const survivor = new AckWorker(worker, [stateFile, `survivor-${lane}`, String(LOCK_STALE_MS)]);
  const acks: Ack[][] = [survivor.acks];
  const report: LaneReport = { killsHoldingLock: 0, killsMidWrite: 0 };
  await survivor.nextAcks(1);
  for (let round = 0; round < ROUNDS_PER_LANE; round++) {
    const victim = new AckWorker(worker, [stateFile, `victim-${lane}-${round}`, String(LOCK_STALE_MS)]);
    acks.push(victim.acks);
    await victim.nextAcks(1); // it is up and working
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
    const pid = victim.child.pid;
    await victim.kill();

    const lockEntries = await readdir(lockPathFor(stateFile)).catch(() => [] as string[]);
    if (lockEntries.some((entry) => entry.includes(`-${pid}-`))) report.killsHoldingLock += 1;
    if ((await readdir(dir)).some((entry) => entry.startsWith(`lane${lane}.json.owner-${pid}-`))) report.killsMidWrite += 1;

    // Take the acknowledgements before reading: the survivor keeps working while we read,
    // and a call acknowledged after the read began may rightly be missing from it.
    const acknowledged = acks.flat();
    assertAcknowledged(await readValidState(stateFile), acknowledged);
    // The others carry on: the survivor gets more work done, taking over the dead lock if need be.
    await survivor.nextAcks(3);
  }
  const exit = await survivor.stop();
  expect(exit.code, survivor.stderr).toBe(0);

  const state = await readValidState(stateFile);
  assertAcknowledged(state, acks.flat());
  // Exactly once: each create the survivor made is one task, and each of its claims it completed.
  const survivorId = `survivor-${lane}`;
  const tasks = Object.values(state.tasks);
  expect(tasks.filter((task) => task.data.by === survivorId)).toHaveLength(survivor.acks.filter((ack) => ack.op === "create").length);
  expect(tasks.filter((task) => task.status === "in_progress" && task.locked_by === survivorId)).toEqual([]);
  // Whoever took over a dead writer's lock swept its temp file and the dead waiters' staging
  // directories; the last holder released the lock.
  const left = (await readdir(dir)).filter((entry) => entry.startsWith(`lane${lane}.json`));
  expect(left).toEqual([`lane${lane}.json`]);
  return report;
}

describe("crash safety", () => {
  it(`loses nothing acknowledged over ${LANES * ROUNDS_PER_LANE} SIGKILLs at random moments`, async () => {
    const dir = await tempDir();
    const reports = await Promise.all(Array.from({ length: LANES }, (_, lane) => runLane(dir, lane)));
    const holding = reports.reduce((sum, report) => sum + report.killsHoldingLock, 0);
    // Some kills must have hit a process holding the lock, or the test proved little.
    expect(holding).toBeGreaterThan(0);
  }, 180_000);
});
