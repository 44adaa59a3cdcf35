/**
 * The person's read commands and `add`, through the built bin against real state files:
 * tables for people, --json for scripts, exit codes by kind, colour only when wanted.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Workflows } from "../../src/index.js";
import { runCli, runCliJson } from "../helpers/cli.js";
import { snapshotTree, tempDir } from "../helpers/temp-dir.js";

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;
const ID = /^[a-z]+_[0-9a-f]{8}$/;

async function addTask(stateDir: string, args: string[]): Promise<string> {
  const run = await runCli(stateDir, ["add", ...args]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const id = run.stdout.trim();
  expect(id).toMatch(ID);
  return id;
}

describe("add", () => {
  it("creates a task with data, parent, priority and dependencies, and prints only its id", async () => {
    const dir = await tempDir();
    const parent = await addTask(dir, ["analyze", "--data", '{"file":"a.csv"}', "--priority", "5"]);
    const other = await addTask(dir, ["lint"]);
    const child = await addTask(dir, ["validate", "--parent", parent, "--depends-on", parent, "--depends-on", other]);
    const tm = new Workflows({ stateDir: dir }).get("default");
    expect(await tm.getTask(parent)).toMatchObject({ type: "analyze", status: "pending", priority: 5, data: { file: "a.csv" } });
    expect(await tm.getTask(child)).toMatchObject({ parent_id: parent, depends_on: [parent, other] });
  });

  it("takes --depends-on as a comma-separated list, -w for the workflow, and --json for the whole task", async () => {
    const dir = await tempDir();
    const a = await addTask(dir, ["a", "-w", "review"]);
    const b = await addTask(dir, ["b", "-w", "review"]);
    const { workflow, task } = await runCliJson<{ workflow: string; task: { id: string; depends_on: string[] } }>(dir, [
      "add",
      "c",
      "-w",
      "review",
      "--depends-on",
      `${a},${b}`,
    ]);
    expect(workflow).toBe("review");
    expect(task.depends_on).toEqual([a, b]);
    expect(await new Workflows({ stateDir: dir }).list()).toEqual(["review"]);
  });

  it.each([
    [["add", "t", "--data", "{not json"], 1, "--data"],
    [["add", "t", "--data", "[1,2]"], 1, "data"],
    [["add", "a/b"], 1, "type"],
    [["add", "t", "--priority", "high"], 1, "--priority"],
    [["add", "t", "-w", "../outside"], 1, "workflow name"],
    [["add"], 1, "which type"],
    [["add", "t", "--parent", "nope_00000000"], 2, "nope_00000000"],
    [["add", "t", "--depends-on", "nope_00000000"], 2, "nope_00000000"],
    [["add", "t", "--no-such-flag"], 1, "--no-such-flag"],
  ])("%j exits %i naming %s, and writes nothing", async (args, code, named) => {
    const dir = await tempDir();
    await new Workflows({ stateDir: dir }).get("default").createTask({ type: "seed" });
    const before = await snapshotTree(dir);
    const run = await runCli(dir, args);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(named);
    expect(await snapshotTree(dir)).toEqual(before);
  });
});

describe("workflows, summary, tasks, show", () => {
  async function seeded() {
    const dir = await tempDir();
    const workflows = new Workflows({ stateDir: dir });
    const tm = workflows.get("default");
    const analyze = await tm.createTask({ type: "analyze", data: { file: "a.csv" } });
    const validate = await tm.createTask({ type: "validate", parentId: analyze, dependsOn: [analyze] });
    await workflows.get("review").createTask({ type: "other" });
    // An agent takes the analyze task, as an MCP server would, through the library.
    await tm.getNextTask({ agentId: "worker-1", leaseSeconds: 600 });
    return { dir, analyze, validate };
  }

  it("workflows lists each workflow with its counts, as a table and as JSON", async () => {
    const { dir } = await seeded();
    const table = await runCli(dir, ["workflows"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^WORKFLOW\s+TOTAL\s+PENDING\s+READY\s+IN PROGRESS\s+COMPLETED\s+FAILED\s+CANCELLED$/m);
    expect(table.stdout).toMatch(/^default\s+2\s+1\s+0\s+1\s+0\s+0\s+0$/m);
    expect(table.stdout).toMatch(/^review\s+1\s+1\s+1\s+0/m);
    const json = await runCliJson<{ workflows: { name: string; total_tasks: number }[] }>(dir, ["workflows"]);
    expect(json.workflows.map((w) => [w.name, w.total_tasks])).toEqual([
      ["default", 2],
      ["review", 1],
    ]);
  });

  it("summary shows counts, pending readiness and who holds what with the lease left", async () => {
    const { dir, analyze } = await seeded();
    const run = await runCli(dir, ["summary"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Workflow default: 2 tasks");
    expect(run.stdout).toMatch(/pending\s+1\s+ready 0, conflicting 0, waiting 1, scheduled 0, blocked 0/);
    expect(run.stdout).toMatch(new RegExp(`^${analyze}\\s+analyze\\s+worker-1\\s+1\\s+\\S+\\s+(9m \\d+s|10m 0s) left$`, "m"));
    const json = await runCliJson<{ summary: { status_counts: Record<string, number> }; held: { id: string; locked_by: string }[] }>(dir, ["summary", "default"]);
    expect(json.summary.status_counts).toMatchObject({ pending: 1, in_progress: 1 });
    expect(json.held).toEqual([expect.objectContaining({ id: analyze, locked_by: "worker-1" })]);
  });

  it("tasks lists every task, and filters by status and type", async () => {
    const { dir, analyze, validate } = await seeded();
    const all = await runCli(dir, ["tasks"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`^${analyze}\\s+analyze\\s+in_progress\\s+0\\s+worker-1\\s+`, "m"));
    expect(all.stdout).toMatch(new RegExp(`^${validate}\\s+validate\\s+pending\\s+0\\s+${analyze}\\s+${analyze}\\s+`, "m"));
    const held = await runCliJson<{ tasks: { id: string }[] }>(dir, ["tasks", "--status", "in_progress"]);
    expect(held.tasks.map((t) => t.id)).toEqual([analyze]);
    const validates = await runCliJson<{ tasks: { id: string }[] }>(dir, ["tasks", "default", "--type", "validate"]);
    expect(validates.tasks.map((t) => t.id)).toEqual([validate]);
    const none = await runCli(dir, ["tasks", "--type", "nothing"]);
    expect(none).toMatchObject({ code: 0, stdout: "no tasks match in workflow default.\n" });
    const limited = await runCliJson<{ tasks: unknown[] }>(dir, ["tasks", "--limit", "1"]);
    expect(limited.tasks).toHaveLength(1);
  });

  it("show finds a task in any workflow and shows its holder, relations, data and history", async () => {
    const { dir, analyze, validate } = await seeded();
    const run = await runCli(dir, ["show", analyze]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${analyze}\\s+in_progress\\s+workflow default$`, "m"));
    expect(run.stdout).toMatch(/held by\s+worker-1 since .*attempt 1/);
    expect(run.stdout).toMatch(new RegExp(`children\\s+${validate} \\(pending\\)`));
    expect(run.stdout).toMatch(new RegExp(`needed by\\s+${validate} \\(pending\\)`));
    expect(run.stdout).toContain('"file": "a.csv"');
    expect(run.stdout).toMatch(/created\s*$/m);
    expect(run.stdout).toMatch(/claimed\s+worker-1\s+1/);
    const json = await runCliJson<{ workflow: string; task: { id: string }; children: unknown[]; dependents: unknown[] }>(dir, ["show", validate]);
    expect(json).toMatchObject({
      workflow: "default",
      task: { id: validate },
      dependencies: [{ id: analyze, status: "in_progress" }],
      children: [],
    });
  });

  it("escapes control characters from task data instead of sending them to the terminal", async () => {
    const dir = await tempDir();
    const id = await new Workflows({ stateDir: dir }).get("default").createTask({ type: "t", data: { note: "clear\u001b[2Jscreen\u009b31m" } });
    const run = await runCli(dir, ["show", id]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("\u001b");
    expect(run.stdout).not.toContain("\u009b");
    expect(run.stdout).toContain("\\u001b[2J");
    expect(run.stdout).toContain("\\u009b31m");
  });
});

describe("exit codes and errors", () => {
  it("a task or workflow that is not there exits 2; a bad flag value 1; --json errors are JSON on stderr", async () => {
    const dir = await tempDir();
    await new Workflows({ stateDir: dir }).get("default").createTask({ type: "t" });
    const missingTask = await runCli(dir, ["show", "nope_00000000"]);
    expect(missingTask).toMatchObject({ code: 2, stdout: "" });
    expect(missingTask.stderr).toContain('no task "nope_00000000"');
    expect((await runCli(dir, ["summary", "nothing"])).code).toBe(2);
    expect((await runCli(dir, ["tasks", "nothing"])).code).toBe(2);
    expect((await runCli(dir, ["show", "nope_00000000", "--workflow", "default"])).code).toBe(2);
    const badStatus = await runCli(dir, ["tasks", "--status", "done", "--json"]);
    expect(badStatus.code).toBe(1);
    expect(JSON.parse(badStatus.stderr)).toMatchObject({ error: { code: "INVALID_INPUT" } });
    const notFound = await runCli(dir, ["summary", "nothing", "--json"]);
    expect(JSON.parse(notFound.stderr)).toMatchObject({ error: { code: "WORKFLOW_NOT_FOUND" } });
    const usage = await runCli(dir, ["tasks", "a", "b", "--json"]);
    expect(usage.code).toBe(1);
    expect(JSON.parse(usage.stderr)).toMatchObject({ error: { code: "USAGE" } });
  });

  it("a corrupt workflow is listed with its error and exits 5 when read, and is left untouched", async () => {
    const dir = await tempDir();
    await new Workflows({ stateDir: dir }).get("default").createTask({ type: "t" });
    const corrupt = join(dir, "broken.json");
    await writeFile(corrupt, "{ not json");
    const listed = await runCliJson<{ workflows: { name: string; error?: { code: string } }[] }>(dir, ["workflows"]);
    expect(listed.workflows).toEqual([
      expect.objectContaining({ name: "broken", error: expect.objectContaining({ code: "STATE_FILE_CORRUPT" }) }),
      expect.objectContaining({ name: "default", total_tasks: 1 }),
    ]);
    const summary = await runCli(dir, ["summary", "broken"]);
    expect(summary.code).toBe(5);
    expect(summary.stderr).toContain("is corrupt");
    expect(await readFile(corrupt, "utf8")).toBe("{ not json");
  });

  it("a workflow listed with an error leaves the table's columns as they were", async () => {
    const dir = await tempDir();
    await addTask(dir, ["t"]);
    await addTask(dir, ["t", "-w", "a-longer-workflow-name"]);
    const before = await runCli(dir, ["workflows"]);
    await writeFile(join(dir, "broken.json"), "{ not json");
    const after = await runCli(dir, ["workflows"]);
    expect(after.code).toBe(0);
    const [header, ...rows] = after.stdout.trimEnd().split("\n");
    // The error spans the count columns without widening them: header and good rows are unchanged.
    expect([header, ...rows.filter((row) => !row.startsWith("broken"))].join("\n")).toBe(before.stdout.trimEnd());
    const firstWidth = (header ?? "").indexOf("TOTAL");
    expect(rows.find((row) => row.startsWith("broken"))).toBe(`${"broken".padEnd(firstWidth)}STATE_FILE_CORRUPT`);
  });

  it("--json shows a claim's fields on an in-progress task only", async () => {
    const dir = await tempDir();
    const tm = new Workflows({ stateDir: dir }).get("default");
    const done = await tm.createTask({ type: "done" });
    await tm.createTask({ type: "held" });
    const pending = await tm.createTask({ type: "pending" });
    const claimed = await tm.getNextTask({ agentId: "agent", taskTypes: ["done"] });
    await tm.completeTask({ taskId: done, agentId: "agent", claimToken: claimed?.claim_token });
    await tm.getNextTask({ agentId: "agent", taskTypes: ["held"] });
    const claimFields = ["locked_by", "locked_at", "lease_expires_at", "lease_seconds"];
    const { tasks } = await runCliJson<{ tasks: Array<Record<string, unknown>> }>(dir, ["tasks"]);
    expect(tasks.map((task) => [task["type"], claimFields.filter((field) => field in task)])).toEqual([
      ["done", []],
      ["held", claimFields],
      ["pending", []],
    ]);
    for (const id of [done, pending]) {
      const { task } = await runCliJson<{ task: Record<string, unknown> }>(dir, ["show", id]);
      expect(claimFields.filter((field) => field in task), id).toEqual([]);
    }
    const added = await runCliJson<{ task: Record<string, unknown> }>(dir, ["add", "t"]);
    expect(claimFields.filter((field) => field in added.task)).toEqual([]);
  });

  it("an id in two workflows asks for --workflow", async () => {
    const dir = await tempDir();
    const id = await new Workflows({ stateDir: dir }).get("default").createTask({ type: "t" });
    await copyFile(join(dir, "default.json"), join(dir, "copy.json"));
    const run = await runCli(dir, ["show", id]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--workflow");
    expect((await runCli(dir, ["show", id, "--workflow", "copy"])).code).toBe(0);
  });
});

describe("help and colour", () => {
  it("--help lists every command and the exit codes; COMMAND --help shows its flags", async () => {
    const dir = await tempDir();
    const help = await runCli(dir, ["--help"]);
    for (const command of ["workflows", "summary [W]", "tasks [W]", "show ID", "add TYPE", "release ID --force", "cancel ID", "watch [W]", "dashboard"]) {
      expect(help.stdout).toContain(command);
    }
    expect(help.stdout).toContain("  2  no such task or workflow");
    const add = await runCli(dir, ["add", "--help"]);
    expect(add).toMatchObject({ code: 0, stderr: "" });
    expect(add.stdout).toContain("--depends-on ID");
    expect(add.stdout).toContain("--state-dir DIR");
  });

  it("colours only when asked: never into a pipe by default, with FORCE_COLOR, never with NO_COLOR", async () => {
    const dir = await tempDir();
    await new Workflows({ stateDir: dir }).get("default").createTask({ type: "t" });
    expect((await runCli(dir, ["tasks"])).stdout).not.toMatch(ANSI);
    expect((await runCli(dir, ["tasks"], { FORCE_COLOR: "1" })).stdout).toMatch(ANSI);
    expect((await runCli(dir, ["tasks"], { FORCE_COLOR: "1", NO_COLOR: "1" })).stdout).not.toMatch(ANSI);
    expect((await runCli(dir, ["tasks", "--json"], { FORCE_COLOR: "1" })).stdout).not.toMatch(ANSI);
  });
});
