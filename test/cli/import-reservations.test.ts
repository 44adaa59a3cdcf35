/**
 * `import` of a seed file whose reservations are not reservations, or hold paths in a form no
 * request could have stored (they still hold the files they name). The
 * SQL stores accepted it and then could not read the workflow again (STATE_FILE_CORRUPT on
 * every command); it is refused as the JSON store refuses such a state file, and nothing is
 * imported.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { TaskManager } from "../../src/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp-dir.js";

const seed = (reservations: unknown) => ({
  workflow_type: "generic",
  metadata: { initialized_at: "2026-01-01T00:00:00.000Z", last_updated: "2026-01-01T00:00:00.000Z" },
  tasks: { t_1: { type: "t", status: "pending", parent_id: null, locked_by: null, locked_at: null, created_at: "2026-01-01T00:00:00.000Z", completed_at: null, data: {} } },
  reservations,
});

it.each([
  ["an object", { a: 1 }],
  ["a reservation without a path", [{ held_by: "x", session_sha256: null, exclusive: true, created_at: "2026-01-01T00:00:00.000Z", expires_at: "2099-01-01T00:00:00.000Z" }]],
])("an import into SQLite whose reservations are %s is refused, and the workflow stays readable", async (_, reservations) => {
  const stateDir = await tempDir();
  const file = join(stateDir, "seed.json");
  await writeFile(file, JSON.stringify(seed(reservations)));
  const imported = await runCli(stateDir, ["import", file, "-w", "w", "--store", "sqlite"]);
  expect(imported.code, imported.stdout + imported.stderr).toBe(5);
  expect(imported.stderr + imported.stdout).toContain("reservations");
  const read = await runCli(stateDir, ["reservations", "w", "--store", "sqlite"]);
  expect(read.code, read.stderr).not.toBe(5);
});

it("an imported reservation whose path is not in normal form still holds the file it names", async () => {
  const stateDir = await tempDir();
  const file = join(stateDir, "seed.json");
  const reservation = { path: "./src//a.ts/", held_by: "alice", session_sha256: null, exclusive: true, created_at: "2026-01-01T00:00:00.000Z", expires_at: "2099-01-01T00:00:00.000Z" };
  const tasks = {
    t_1: { ...seed([]).tasks.t_1, paths: ["src/a.ts"] },
    t_2: { ...seed([]).tasks.t_1, paths: ["src/b.ts"] },
  };
  await writeFile(file, JSON.stringify({ ...seed([reservation]), tasks }));
  expect((await runCli(stateDir, ["import", file, "-w", "w", "--store", "sqlite"])).code).toBe(0);
  const tm = new TaskManager({ store: "sqlite", stateDir, workflow: "w" });
  try {
    expect((await tm.getNextTask({ agentId: "bob" }))?.id).toBe("t_2");
    expect(await tm.getNextTask({ agentId: "carol" })).toBeNull();
    expect((await tm.getStatusSummary()).pending_counts).toMatchObject({ conflicting: 1 });
  } finally {
    await tm.close();
  }
});
