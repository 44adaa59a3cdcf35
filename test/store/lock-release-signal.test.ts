// The wake-up of a process waiting for the lock: a real lock directory, removed by
// another process, as a holder releases it.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LockReleaseSignal } from "../../src/store/lock-release-signal.js";
import { runNode } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";

const A_MINUTE = 60_000;

describe("LockReleaseSignal", () => {
  it("wakes the waiter when another process removes the lock, long before its back-off timer", async () => {
    const lockPath = join(await tempDir(), "wf.json.lock");
    await mkdir(lockPath);
    const signal = new LockReleaseSignal(lockPath);
    try {
      const woken = signal.waitFor(A_MINUTE).then(() => "woken");
      const removal = await runNode("-e", [`require("node:fs").rmdirSync(${JSON.stringify(lockPath)})`]);
      expect(removal.code).toBe(0);
      // Were the event missed, this would wait a minute and the test time out.
      expect(await woken).toBe("woken");
    } finally {
      signal.close();
    }
  }, 20_000);

  it("still wakes by its timer where the directory cannot be watched", async () => {
    const signal = new LockReleaseSignal(join(await tempDir(), "missing", "wf.json.lock"));
    try {
      await expect(signal.waitFor(5).then(() => "timer")).resolves.toBe("timer");
    } finally {
      signal.close();
    }
  });
});
