import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Workflows } from "../src/index.js";
import { snapshotTree, tempDir } from "./helpers/temp-dir.js";

describe("Workflows", () => {
  it("opens <state-dir>/<name>.json by name and lists the workflows", async () => {
    const stateDir = join(await tempDir(), "state");
    const workflows = new Workflows({ stateDir });
    expect(await workflows.list()).toEqual([]);
    await workflows.get("code-review").createTask({ type: "review" });
    await workflows.get("data.v2").createTask({ type: "load" });
    expect(workflows.get("code-review")).toBe(workflows.get("code-review"));
    expect(await workflows.list()).toEqual(["code-review", "data.v2"]);
    await workflows.close(); // lets go of the lock directories kept between calls
    expect((await readdir(stateDir)).sort()).toEqual(["code-review.json", "data.v2.json"]);
  });

  it.each(["../x", "/etc/passwd", "a/b", "a\\b", ".", "..", "", ".hidden", "-flag", "x".repeat(65), "nul\u0000byte", "spa ce", "é"])(
    "refuses the name %j and creates nothing, inside or outside the state directory",
    async (name) => {
      const root = await tempDir();
      const stateDir = join(root, "state");
      const before = await snapshotTree(root);
      const workflows = new Workflows({ stateDir });
      expect(() => workflows.get(name)).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
      expect(await snapshotTree(root)).toEqual(before);
    },
  );
});
