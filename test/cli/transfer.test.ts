/**
 * `export` and `import`: moving a workflow between stores through the seed's file
 * format, with the built bin, as a person would; and files from the Python seed.
 */
import { execFileSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TaskManager, type StoreKind, type WorkflowState } from "../../src/index.js";
import { runCli } from "../helpers/cli.js";
import { codeOf } from "../helpers/coordination.js";
import { seedModuleDir } from "../helpers/paths.js";
import { has } from "../helpers/requirements.js";
import { exportedState } from "../helpers/stores.js";
import { snapshotTree, tempDir } from "../helpers/temp-dir.js";

const opened: TaskManager[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tm) => tm.close()));
});

function open(store: StoreKind, stateDir: string, workflow = "w"): TaskManager {
  const tm = new TaskManager({ store, stateDir, workflow });
  opened.push(tm);
  return tm;
}

/**
 * A workflow with something of everything: a tree, dependencies, priorities, claims, results, failures, metadata.
 * Returns the token of the claim it leaves held.
 */
async function busyWorkflow(tm: TaskManager): Promise<string | undefined> {
  await tm.updateWorkflowMetadata({ owner: "ana", task_defaults: { max_attempts: 3 } });
  const [goal, build] = await tm.createTasks([
    { type: "goal", data: { what: "release" } },
    { type: "build", parentId: "#0", priority: 5 },
    { type: "test", parentId: "#0", dependsOn: ["#1"], idempotencyKey: "test-1" },
    { type: "docs", delaySeconds: 3600 },
  ]);
  const building = await tm.getNextTask({ agentId: "builder", taskTypes: ["build"], leaseSeconds: 600 });
  await tm.completeTask({ taskId: build?.id ?? "", agentId: "builder", claimToken: building?.claim_token, resultData: { artifact: "app.tar" } });
  const testing = await tm.getNextTask({ agentId: "tester", taskTypes: ["test"] });
  await tm.createTasks(Array.from({ length: 30 }, (_, i) => ({ type: "item", parentId: goal?.id, data: { i } })));
  return testing?.claim_token;
}

describe("export", () => {
  it("writes a JSON workflow byte for byte as its state file, to stdout or to --out", async () => {
    const stateDir = await tempDir();
    await busyWorkflow(open("json", stateDir));
    const stateFile = await readFile(join(stateDir, "w.json"), "utf8");
    const run = await runCli(stateDir, ["export", "-w", "w"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toBe(stateFile);
    const out = join(await tempDir(), "w-export.json");
    const toFile = await runCli(stateDir, ["export", "-w", "w", "--out", out]);
    expect(toFile.stdout).toContain("exported 34 task(s)");
    expect(await readFile(out, "utf8")).toBe(stateFile);
    expect((await readdir(join(out, ".."))).filter((name) => name.includes("partial"))).toEqual([]);
  });

  it("says so (exit 2) for a workflow that does not exist", async () => {
    const run = await runCli(await tempDir(), ["export", "-w", "nothing-here", "--store", "sqlite"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no workflow "nothing-here"');
  });
});

describe.each([
  ["json", "sqlite"],
  ["sqlite", "json"],
] as const)("moving a workflow from %s to %s", (from, to) => {
  it("keeps every task as it was, and the queue goes on where it stood", async () => {
    const source = await tempDir();
    const testerToken = await busyWorkflow(open(from, source));
    const file = join(await tempDir(), "moved.json");
    expect((await runCli(source, ["export", "-w", "w", "--out", file, "--store", from])).code).toBe(0);

    const target = await tempDir();
    const run = await runCli(target, ["import", file, "-w", "moved", "--store", to, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ workflow: "moved", store: to, tasks: 34 });

    const before = (await exportedState(open(from, source))) as WorkflowState;
    const moved = open(to, target, "moved");
    const after = (await exportedState(moved)) as WorkflowState;
    expect(after.tasks).toEqual(before.tasks);
    expect(Object.keys(after.tasks)).toEqual(Object.keys(before.tasks));
    const { last_updated: _stampedByImport, ...metadata } = after.metadata;
    const { last_updated: _stamped, ...original } = before.metadata;
    expect(metadata).toEqual(original);
    // Byte for byte the same file again, but for the time of the import.
    const again = await runCli(target, ["export", "-w", "moved", "--store", to]);
    const stamp = /"last_updated": "[^"]*"/;
    expect(again.stdout.replace(stamp, "")).toBe((await readFile(file, "utf8")).replace(stamp, ""));

    expect(await moved.getStatusSummary()).toEqual(await open(from, source).getStatusSummary());
    // The test task is still the tester's, under the same claim; the items are claimable in creation order.
    const testTask = Object.entries(after.tasks).find(([, task]) => task.type === "test");
    expect(testTask?.[1]).toMatchObject({ status: "in_progress", locked_by: "tester" });
    expect(await codeOf(moved.completeTask({ taskId: testTask?.[0] ?? "", agentId: "tester" }))).toBe("NOT_CLAIM_HOLDER");
    expect((await moved.completeTask({ taskId: testTask?.[0] ?? "", agentId: "tester", claimToken: testerToken })).status).toBe("completed");
    const firstItem = Object.entries(after.tasks).find(([, task]) => task.type === "item")?.[0];
    expect((await moved.getNextTask({ agentId: "w", taskTypes: ["item"] }))?.id).toBe(firstItem);
    expect((await moved.createTasks([{ type: "test", idempotencyKey: "test-1" }]))[0]).toMatchObject({ id: testTask?.[0], already_existed: true });
  });
});

describe("import", () => {
  it.skipIf(!has("python3"))("reads a file written by the original Python module, whose claim still expires by the task timeout", async () => {
    const seedFile = join(await tempDir(), "seed.json");
    const script = `
import sys
sys.path.insert(0, ${JSON.stringify(seedModuleDir)})
from task_manager import TaskManager
tm = TaskManager(${JSON.stringify(seedFile)})
a = tm.create_task("extract", {"file": "a.csv"})
b = tm.create_task("transform", parent_id=a)
tm.get_next_task("py-worker", ["extract"])
print(a, b)
`;
    const [extract, transform] = execFileSync("python3", ["-c", script], { encoding: "utf8" }).trim().split(" ") as [string, string];
    const stateDir = await tempDir();
    const run = await runCli(stateDir, ["import", seedFile, "-w", "legacy", "--store", "sqlite"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('imported 2 task(s) into workflow "legacy" (sqlite store');

    let now = new Date();
    const tm = new TaskManager({ store: "sqlite", stateDir, workflow: "legacy", taskTimeoutHours: 1, clock: () => now });
    opened.push(tm);
    const seed = JSON.parse(await readFile(seedFile, "utf8")) as WorkflowState;
    expect((await exportedState(tm))?.tasks).toEqual(seed.tasks);
    expect(await tm.getTask(extract)).toMatchObject({ status: "in_progress", locked_by: "py-worker", attempts: 0 });
    expect((await tm.getNextTask({ agentId: "ts-worker" }))?.id).toBe(transform);
    now = new Date(Date.now() + 2 * 3_600_000); // past the Python claim's task timeout
    expect(await tm.getNextTask({ agentId: "ts-worker" })).toMatchObject({ id: extract, attempts: 1, failures: 1 });
  });

  it("refuses a workflow that already has tasks, and writes nothing", async () => {
    const stateDir = await tempDir();
    const jsonDir = await tempDir();
    await open("json", jsonDir, "one").createTask({ type: "a" });
    const file = join(jsonDir, "one.json");
    expect((await runCli(stateDir, ["import", file, "-w", "full", "--store", "sqlite"])).code).toBe(0);
    const before = await snapshotTree(stateDir);
    const again = await runCli(stateDir, ["import", file, "-w", "full", "--store", "sqlite"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Workflow "full" already holds 1 task(s)');
    expect(withoutSharedMemory(await snapshotTree(stateDir))).toEqual(withoutSharedMemory(before));
  });

  it.each([
    ["not JSON", "{ nope"],
    ["no tasks", JSON.stringify({ workflow_type: "generic", metadata: { initialized_at: "x", last_updated: "x" } })],
    ["a task without a status", JSON.stringify({ workflow_type: "generic", metadata: { initialized_at: "x", last_updated: "x" }, tasks: { a_1: { type: "a" } } })],
    [
      "the same id twice",
      '{"workflow_type":"generic","metadata":{"initialized_at":"x","last_updated":"x"},"tasks":{"a_1":{"type":"a","status":"pending","parent_id":null,"locked_by":null,"locked_at":null,"created_at":"x","completed_at":null,"data":{}},"a_1":{"type":"a","status":"pending","parent_id":null,"locked_by":null,"locked_at":null,"created_at":"x","completed_at":null,"data":{}}}}',
    ],
  ])("refuses a file with %s as STATE_FILE_CORRUPT (exit 5), saying the input file is bad, writing nothing", async (_label, text) => {
    const stateDir = await tempDir();
    const file = join(await tempDir(), "bad.json");
    await writeFile(file, text);
    for (const store of ["json", "sqlite"]) {
      const run = await runCli(stateDir, ["import", file, "-w", "w", "--store", store]);
      expect(run.code, run.stderr).toBe(5);
      // The input file is at fault: not the advice for a corrupt state file of the store.
      expect(run.stderr).toContain(`The input file "${file}" is not a valid workflow state file`);
      expect(run.stderr).toContain("nothing was imported");
      expect(run.stderr).not.toContain("Restore it from a backup");
    }
    expect(await readdir(stateDir)).toEqual([]);
  });

  it("into a JSON workflow whose state file is corrupt, names that state file and how to recover it (exit 5)", async () => {
    const stateDir = await tempDir();
    await writeFile(join(stateDir, "w.json"), "{ nope");
    const file = join(await tempDir(), "good.json");
    await writeFile(file, JSON.stringify({ workflow_type: "generic", metadata: { initialized_at: "x", last_updated: "x" }, tasks: {} }));
    const run = await runCli(stateDir, ["import", file, "-w", "w"]);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toContain(`State file "${join(stateDir, "w.json")}" is corrupt`);
    expect(run.stderr).toContain("Restore it from a backup");
  });

  it("says which file it cannot read (exit 1)", async () => {
    const run = await runCli(await tempDir(), ["import", "/nonexistent/w.json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cannot read /nonexistent/w.json");
  });
});

/** SQLite's shared-memory index changes as readers read; the data files are what must not. */
function withoutSharedMemory(tree: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).filter(([path]) => !path.endsWith("-shm")));
}
