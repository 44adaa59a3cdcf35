// ATTACK: a lock holder on this machine stalled (SIGSTOP) while holding the lock, past the
// stale threshold. Its pid is alive, so others wait 30 s (LIVE_HOLDER_STALE_MS) before
// taking the lock over; then the holder resumes mid-change and must not write.
// (About 35 s: the 30 s rule is a constant.)
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lockPathFor } from "../../../../src/store/json/file-lock.js";
import { parseWhole } from "../../../../src/store/json/layout.js";
import { AckWorker } from "../../../helpers/ack-worker.js";
import { fixture } from "../../../helpers/paths.js";
import { runNode } from "../../../helpers/processes.js";
import { tempDir } from "../../../helpers/temp-dir.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("ATTACK: a holder on this machine stalled past the stale threshold", () => {
  it("is waited for (not taken over at the 2 s threshold), taken over at 30 s, and loses nothing when it resumes", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const holder = new AckWorker(fixture("crash-worker.mjs"), [stateFile, "A", "2000"]);
    await holder.nextAcks(3);
    // Stop it while it holds the lock.
    for (let tries = 0; ; tries++) {
      holder.child.kill("SIGSTOP");
      const lock = await readdir(lockPathFor(stateFile)).catch(() => [] as string[]);
      if (lock.some((entry) => entry.startsWith(`owner-${holder.child.pid}-`))) break;
      holder.child.kill("SIGCONT");
      expect(tries).toBeLessThan(200);
      await sleep(Math.random() * 5);
    }
    const other = await runNode(fixture("attack-create-one.mjs"), [stateFile, "B", "2000", "60"]);
    expect(other.code, other.stderr).toBe(0);
    const { id, waitedMs } = JSON.parse(other.stdout) as { id: string; waitedMs: number };
    expect(waitedMs).toBeGreaterThan(25_000);
    holder.child.kill("SIGCONT");
    await holder.nextAcks(3);
    const exit = await holder.stop();
    expect(exit.code, holder.stderr).toBe(0);

    const state = parseWhole(stateFile, await readFile(stateFile));
    expect(state.tasks[id], "the other's create").toBeDefined();
    for (const ack of holder.acks) {
      expect(state.tasks[ack.id], `${ack.op} of ${ack.id}`).toBeDefined();
      if (ack.op === "complete") expect(state.tasks[ack.id]?.status).toBe("completed");
    }
    expect(Object.keys(state.tasks)).toHaveLength(1 + holder.acks.filter((ack) => ack.op === "create").length);
  }, 60_000);
});
