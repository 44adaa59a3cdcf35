/**
 * A seed state file whose task ids are names of Object.prototype, served by the built
 * server in a process of its own: as a JSON store's state file written by hand, and
 * imported into SQLite with `task-manager-mcp import`. Every task stays readable,
 * claimable and completable, and is still in the store after the writes.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TaskManager, type WorkflowState } from "../../src/index.js";
import { runCli } from "../helpers/cli.js";
import { ok, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { PROTOTYPE_IDS, prototypeIdsStateFile } from "../helpers/prototype-ids.js";
import { exportedState } from "../helpers/stores.js";
import { tempDir } from "../helpers/temp-dir.js";

interface ShownTask {
  id: string;
  status: string;
  data: Record<string, unknown>;
}

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Reads, claims and completes all four tasks through the server's tools. */
async function workThrough(running: RunningServer): Promise<void> {
  for (const id of PROTOTYPE_IDS) {
    expect(ok<{ task: ShownTask }>(await running.call("get_task", { workflow: "wf", task_id: id })).task).toMatchObject({ id, data: { which: id } });
  }
  const listed = ok<{ tasks: ShownTask[] }>(await running.call("list_tasks", { workflow: "wf" })).tasks;
  expect(listed.map((task) => task.id)).toEqual([...PROTOTYPE_IDS]);
  expect(ok(await running.call("summary", { workflow: "wf" }))).toMatchObject({ total_tasks: 4, status_counts: { pending: 4 } });
  const claimed: string[] = [];
  for (let i = 0; i < PROTOTYPE_IDS.length; i++) {
    const { task } = ok<{ task: ShownTask | null }>(await running.call("get_next_task", { workflow: "wf" }));
    expect(task, `claim ${i + 1}`).not.toBeNull();
    const id = (task as ShownTask).id;
    claimed.push(id);
    ok(await running.call("complete_task", { workflow: "wf", task_id: id, result_data: { done: id } }));
  }
  expect(claimed.sort()).toEqual([...PROTOTYPE_IDS].sort());
  expect(ok(await running.call("summary", { workflow: "wf" }))).toMatchObject({ total_tasks: 4, status_counts: { completed: 4 } });
}

function expectAllCompleted(state: WorkflowState | null): void {
  expect(Object.keys(state?.tasks ?? {}).sort()).toEqual([...PROTOTYPE_IDS].sort());
  for (const id of PROTOTYPE_IDS) {
    const task = Object.hasOwn(state?.tasks ?? {}, id) ? state?.tasks[id] : undefined;
    expect(task, id).toMatchObject({ status: "completed", data: { which: id }, result: { done: id } });
  }
}

describe("task ids that are names of Object.prototype, over MCP", () => {
  it("are served from a JSON state file written by hand", async () => {
    const stateDir = await tempDir();
    await writeFile(join(stateDir, "wf.json"), prototypeIdsStateFile());
    server = await startServer({ stateDir });
    await workThrough(server);
    expectAllCompleted(JSON.parse(await readFile(join(stateDir, "wf.json"), "utf8")) as WorkflowState);
  });

  it("are served from SQLite after `task-manager-mcp import`", async () => {
    const stateDir = await tempDir();
    const file = join(await tempDir(), "seed.json");
    await writeFile(file, prototypeIdsStateFile());
    const imported = await runCli(stateDir, ["import", file, "-w", "wf", "--store", "sqlite", "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ tasks: 4 });
    server = await startServer({ stateDir, args: ["--store", "sqlite"] });
    await workThrough(server);
    await server.close();
    server = null;
    const tm = new TaskManager({ store: "sqlite", stateDir, workflow: "wf" });
    try {
      expectAllCompleted(await exportedState(tm));
    } finally {
      await tm.close();
    }
  });
});
