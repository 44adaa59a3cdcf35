// ATTACK: a rule that throws after it has begun to change the state (rules change the kept
// state in place). Rules throw part way when a time is out of Date's range: a task whose
// retry_delay_seconds or lease_seconds was edited by hand or imported. The process's view
// must stay the file's, its next change must not write the half-applied rule, and the error
// has a documented code. A task timeout that leads to such times is refused up front.
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { tempDir } from "../../../helpers/temp-dir.js";
import { ERROR_CODES as DOCUMENTED } from "../../../helpers/refusals.js";

type OnDisk = { tasks: Record<string, Record<string, unknown>> };
const onDisk = async (file: string) => JSON.parse(await readFile(file, "utf8")) as OnDisk;
async function edit(file: string, change: (state: OnDisk) => void): Promise<void> {
  const state = await onDisk(file);
  change(state);
  await writeFile(`${file}.edit`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.edit`, file);
}

describe("ATTACK: a rule that throws half-way", () => {
  it("a task timeout whose leases no Date can hold (1e10 h) is refused when the TaskManager is made", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    expect(() => new TaskManager({ stateFile, taskTimeoutHours: 1e10 })).toThrow(expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringContaining("taskTimeoutHours") }));
  });

  it("a claim that fails on a hand-edited expired task (retry_delay_seconds 1e300) leaves the process's view the file's", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile });
    const id = await tm.createTask({ type: "t" });
    await edit(stateFile, (state) =>
      Object.assign(state.tasks[id] as object, {
        status: "in_progress",
        locked_by: "old",
        locked_at: "2024-01-01T00:00:00.000Z",
        lease_expires_at: "2024-01-01T00:01:00.000Z",
        attempts: 1,
        retry_delay_seconds: 1e300,
      }),
    );
    const error = (await tm.getNextTask({ agentId: "w" }).catch((caught: unknown) => caught)) as { code?: string };
    expect.soft(DOCUMENTED, "the error's code").toContain(error.code);
    expect((await tm.getTask(id))?.status, "the process's view").toBe("in_progress");
    await tm.createTask({ type: "next" });
    expect((await onDisk(stateFile)).tasks[id]).toMatchObject({ status: "in_progress", locked_by: "old" });
  });

  it("a heartbeat on a task whose stored lease_seconds is out of range fails with a documented code", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile });
    const id = await tm.createTask({ type: "t" });
    const claim = await tm.getNextTask({ agentId: "w" });
    await edit(stateFile, (state) => Object.assign(state.tasks[id] as object, { lease_seconds: 1e300 }));
    const error = (await tm.heartbeatTask({ taskId: id, agentId: "w", claimToken: claim?.claim_token }).catch((caught: unknown) => caught)) as { code?: string };
    expect.soft(DOCUMENTED, "the error's code").toContain(error.code);
  });
});
