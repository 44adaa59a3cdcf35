// ATTACK: an onNotice listener that throws. Notices are told after the change is written,
// so a listener's failure must not turn a claim that was made into an error (the task would
// be held by an agent that never saw its claim token).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { tempDir } from "../../../helpers/temp-dir.js";

describe("ATTACK: a notice listener that throws", () => {
  it("a claim that returns an error has claimed nothing", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    let now = Date.parse("2025-01-01T00:00:00Z");
    const clock = () => new Date(now);
    const quiet = new TaskManager({ stateFile, clock });
    await quiet.createTasks([{ type: "t" }, { type: "t" }]);
    await quiet.getNextTask({ agentId: "old", leaseSeconds: 10 });
    now += 60_000; // its lease ran out: the next claim releases it, and tells the listener
    const tm = new TaskManager({
      stateFile,
      clock,
      onNotice: (notice) => {
        if (notice.kind === "leases_expired") throw new Error("the log is closed");
      },
    });
    const result = await tm.getNextTask({ agentId: "new" }).then(
      (claimed) => ({ claimed }),
      (error: unknown) => ({ error }),
    );
    const held = Object.values(JSON.parse(await readFile(stateFile, "utf8")).tasks as Record<string, { locked_by: string | null }>).filter((task) => task.locked_by === "new");
    if ("error" in result) expect(held, "the failed claim left a task held by 'new'").toEqual([]);
    else expect(held).toHaveLength(1);
  });
});
