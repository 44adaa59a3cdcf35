// What only the JSON store has: a state file per workflow, on disk in the seed's layout.
// (Its behaviour is the conformance suite's, test/core, which runs against every store.)
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../src/index.js";
import { tempDir } from "../../helpers/temp-dir.js";

describe("the JSON state file", () => {
  it("is created with its directory on the first write, in the seed's structure, and not by a read", async () => {
    const stateFile = join(await tempDir(), "states", "wf.json");
    const tm = new TaskManager({ stateFile });
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
    await expect(readFile(stateFile)).rejects.toMatchObject({ code: "ENOENT" });
    const id = await tm.createTask({ type: "t" });
    const onDisk = JSON.parse(await readFile(stateFile, "utf8"));
    expect(Object.keys(onDisk)).toEqual(["workflow_type", "metadata", "tasks"]);
    expect(Object.keys(onDisk.tasks)).toEqual([id]);
    expect(onDisk.tasks[id]).not.toHaveProperty("id");
  });

  it("is not created by input that is refused", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile });
    await expect(tm.createTask({ type: "a/b" })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(readFile(stateFile)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
