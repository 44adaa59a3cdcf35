// ATTACK: a lock holder stalled (SIGSTOP) past the stale threshold, seen from "another
// host": the other worker runs in a pid namespace of its own, where the holder's pid is
// not running, so it takes the lock over after lockStaleMs (2 s) rather than 30 s. The
// stalled holder then resumes mid-change: it must notice before it writes (assertHeld)
// and redo its change, so nothing acknowledged is lost and no claim is handed out twice.
import { spawn, spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WorkflowState } from "../../../../src/index.js";
import { lockPathFor } from "../../../../src/store/json/file-lock.js";
import { parseWhole } from "../../../../src/store/json/layout.js";
import { AckWorker, type Ack } from "../../../helpers/ack-worker.js";
import { fixture } from "../../../helpers/paths.js";
import { requirement } from "../../../helpers/requirements.js";
import { tempDir } from "../../../helpers/temp-dir.js";

const canUnshare = spawnSync("unshare", ["--user", "--map-root-user", "--pid", "--fork", "true"]).status === 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** More acknowledgements from `worker`, or a failure with its stderr if it exits first. */
async function moreAcks(worker: AckWorker, count: number): Promise<void> {
  const exited = worker.exited.then((exit) => {
    throw new Error(`worker exited (${JSON.stringify(exit)}): ${worker.stderr}`);
  });
  await Promise.race([worker.nextAcks(count), exited]);
}

describe.skipIf(!requirement(canUnshare, "a pid namespace (unshare --user --map-root-user --pid)"))("ATTACK: a holder stalled past the stale threshold, on another host", () => {
  it("loses nothing acknowledged and hands no claim out twice", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const stalled = new AckWorker(fixture("crash-worker.mjs"), [stateFile, "A", "2000"]);
    // The other host: a worker in a pid namespace of its own.
    const other = spawn("unshare", ["--user", "--map-root-user", "--pid", "--fork", process.execPath, fixture("crash-worker.mjs"), stateFile, "B", "2000"], { stdio: ["pipe", "pipe", "pipe"] });
    const otherAcks: Ack[] = [];
    let otherErr = "";
    let partial = "";
    other.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) otherAcks.push(JSON.parse(line) as Ack);
    });
    other.stderr.setEncoding("utf8").on("data", (chunk: string) => (otherErr += chunk));
    const otherExit = new Promise<number | null>((resolve) => other.on("close", resolve));

    await moreAcks(stalled, 3);
    let stoppedHolding = 0;
    for (let round = 0; round < 5; round++) {
      await sleep(Math.random() * 30);
      stalled.child.kill("SIGSTOP");
      const lock = await readdir(lockPathFor(stateFile)).catch(() => [] as string[]);
      if (lock.some((entry) => entry.startsWith(`owner-${stalled.child.pid}-`))) stoppedHolding += 1;
      const before = otherAcks.length;
      await sleep(3_500); // past the 2 s threshold: the other host takes the lock over
      expect(otherAcks.length, "the other host got on with its work").toBeGreaterThan(before);
      stalled.child.kill("SIGCONT");
      await moreAcks(stalled, 3);
    }
    expect(stoppedHolding, "some stops caught the holder with the lock").toBeGreaterThan(0);
    other.stdin.end();
    const [stalledExit, otherCode] = await Promise.all([stalled.stop(), otherExit]);
    expect(stalledExit.code, stalled.stderr).toBe(0);
    expect(otherCode, otherErr).toBe(0);

    const state: WorkflowState = parseWhole(stateFile, await readFile(stateFile));
    const acks = [...stalled.acks, ...otherAcks];
    for (const ack of acks) {
      const task = state.tasks[ack.id];
      expect(task, `${ack.op} of ${ack.id} by ${ack.agentId} is lost`).toBeDefined();
      if (ack.op === "complete") expect(task?.status).toBe("completed");
    }
    const creates = acks.filter((ack) => ack.op === "create").length;
    expect(Object.keys(state.tasks)).toHaveLength(creates); // each create exactly once
    const claims = acks.filter((ack) => ack.op === "claim").map((ack) => `${ack.id}#${ack.attempt}`);
    expect(new Set(claims).size, "a claim handed out twice").toBe(claims.length);
  }, 60_000);
});
