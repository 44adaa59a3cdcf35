// ATTACK: deeply nested data, in the state file (valid JSON, which JSON.parse and the
// Python module read) and in a caller's input. Every error a caller sees has a documented
// code: the file is STATE_FILE_CORRUPT (or simply works), the input INVALID_INPUT.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { tempDir } from "../../../helpers/temp-dir.js";

const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as { code?: string; name: string; message: string });
const task = (data: string) =>
  `{"type":"t","status":"pending","parent_id":null,"locked_by":null,"locked_at":null,"created_at":"2024-01-01T00:00:00.000Z","completed_at":null,"data":${data}}`;

describe("ATTACK: deeply nested data", () => {
  it("a state file with task data nested 5,000 deep: every call works or says STATE_FILE_CORRUPT, and the file is left as it is", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const depth = 5_000;
    const text = `{"workflow_type":"generic","metadata":{"initialized_at":"a","last_updated":"b"},"tasks":{"x":${task(`{"d":${"[".repeat(depth)}${"]".repeat(depth)}}`)}}}`;
    JSON.parse(text); // valid JSON
    await writeFile(stateFile, text);
    const tm = new TaskManager({ stateFile });
    for (const call of [tm.getStatusSummary(), tm.getTask("x"), tm.createTask({ type: "z" }), tm.getNextTask({ agentId: "w" })]) {
      const error = await errorOf(call);
      if (error !== null) expect({ code: error.code, name: error.name }).toMatchObject({ code: "STATE_FILE_CORRUPT" });
    }
    expect(await readFile(stateFile, "utf8")).toBe(text);
  });

  it("input nested 20,000 deep is INVALID_INPUT, and nothing is written", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const tm = new TaskManager({ stateFile });
    const root: Record<string, unknown> = {};
    let node = root;
    for (let i = 0; i < 20_000; i++) node = (node.a = {}) as Record<string, unknown>;
    for (const call of [tm.createTask({ type: "t", data: root as never }), tm.updateWorkflowMetadata({ root } as never)]) {
      const error = await errorOf(call);
      expect({ code: error?.code, name: error?.name }).toMatchObject({ code: "INVALID_INPUT" });
    }
    await expect(readFile(stateFile)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
