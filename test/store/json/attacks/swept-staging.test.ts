// ATTACK: a waiter's staging directory swept while it waits for the lock, as a holder on
// another host or in another pid namespace (containers sharing the volume) does to every
// waiter it cannot see running (leftovers.ts). The waiter makes it again and waits on: it
// gets the lock once it is free, never an error.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { acquireFileLock } from "../../../../src/store/json/file-lock.js";
import { fixture } from "../../../helpers/paths.js";
import { runNode } from "../../../helpers/processes.js";
import { tempDir } from "../../../helpers/temp-dir.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("ATTACK: a waiter's staging directory swept by another host's holder", () => {
  it("the waiter restages and gets the lock once it is free", async () => {
    const dir = await tempDir();
    const stateFile = join(dir, "wf.json");
    const seed = new TaskManager({ stateFile });
    await seed.createTask({ type: "seed" });
    await seed.close();
    const held = await acquireFileLock(stateFile, { timeoutMs: 0, staleMs: 4_000, updateMs: 500 });
    const waiter = runNode(fixture("attack-create-one.mjs"), [stateFile, "waiter", "4000", "10"]);
    let staging: string | undefined;
    for (let i = 0; i < 200 && staging === undefined; i++) {
      await sleep(25);
      staging = (await readdir(dir)).find((entry) => entry.startsWith("wf.json.lock.owner-"));
    }
    expect(staging, "the waiter is waiting").toBeDefined();
    // What the other host's holders' sweeps do, once per change they make: here 20 times.
    let swept = 0;
    for (let i = 0; i < 20; i++) {
      await sleep(50 + Math.random() * 100);
      if ((await readdir(dir)).includes(staging as string)) {
        // The waiter may write its token again between rm's unlink and rmdir (ENOTEMPTY): rm tries again.
        await rm(join(dir, staging as string), { recursive: true, force: true, maxRetries: 10, retryDelay: 5 });
        swept += 1;
      }
    }
    expect(swept).toBeGreaterThan(0);
    held.release();
    const result = await waiter;
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  }, 30_000);
});
