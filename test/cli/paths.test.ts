/**
 * Paths on the command line, through the built bin: `add --paths`, the `reservations`
 * listing of who holds which paths until when, and the conflicts in `summary` and `show`.
 */
import { describe, expect, it } from "vitest";
import { Workflows } from "../../src/index.js";
import { runCli, runCliJson } from "../helpers/cli.js";
import { snapshotTree, tempDir } from "../helpers/temp-dir.js";

describe("add --paths", () => {
  it("stores the paths, normalised, from repeated flags and comma-separated lists, keeping a brace glob whole", async () => {
    const dir = await tempDir();
    const run = await runCli(dir, ["add", "edit", "--paths", "src/auth/**, ./docs//auth.md", "--paths", "src/{a,b}.ts"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const task = await new Workflows({ stateDir: dir }).get("default").getTask(run.stdout.trim());
    expect(task?.paths).toEqual(["src/auth/**", "docs/auth.md", "src/{a,b}.ts"]);
    const json = await runCliJson<{ task: { paths: string[] } }>(dir, ["add", "edit", "--paths", "README.md"]);
    expect(json.task.paths).toEqual(["README.md"]);
  });

  it.each([
    ["/etc/passwd", "/etc/passwd"],
    ["src/../../outside", "src/../../outside"],
    ["ok.ts,C:\\\\win.ts", "C:"],
    ["a.ts,", '""'],
  ])("refuses %j with exit 1, one line naming the path, and writes nothing", async (paths, named) => {
    const dir = await tempDir();
    await new Workflows({ stateDir: dir }).get("default").createTask({ type: "seed" });
    const before = await snapshotTree(dir);
    const run = await runCli(dir, ["add", "edit", "--paths", paths]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("--paths");
    expect(run.stderr).toContain(named);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("refuses more than 100 paths, writing nothing", async () => {
    const dir = await tempDir();
    const run = await runCli(dir, ["add", "edit", "--paths", Array.from({ length: 101 }, (_, i) => `f${i}.ts`).join(",")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("at most 100");
    expect(await new Workflows({ stateDir: dir }).list()).toEqual([]);
  });
});

describe("help", () => {
  it("lists the reservations command and the --paths flag", async () => {
    const dir = await tempDir();
    const help = await runCli(dir, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}reservations \[W\]\n {6}Who holds which paths/m);
    expect(help.stdout).toContain("--paths P…");
    const own = await runCli(dir, ["reservations", "--help"]);
    expect(own.stdout).toMatch(/^Usage: task-manager-mcp reservations \[W\]$/m);
  });
});

describe("reservations, summary and show", () => {
  /** worker-1 holds a task on src/auth/**; claude-2 reserved docs/** for a while; a ready task on src/auth/session.ts waits. */
  async function seeded() {
    const dir = await tempDir();
    const tm = new Workflows({ stateDir: dir }).get("default");
    const [held, waiting] = await tm.createTasks([
      { type: "edit", paths: ["src/auth/**"] },
      { type: "edit", paths: ["src/auth/session.ts"] },
    ]);
    if (held === undefined || waiting === undefined) throw new Error("no tasks");
    await tm.getNextTask({ agentId: "worker-1", leaseSeconds: 600 });
    const reserved = await tm.reservePaths({ agentId: "claude-2", paths: ["docs/**"], ttlSeconds: 1800, reason: "rewriting the docs" });
    expect(reserved.granted).toBe(true);
    return { dir, held: held.id, waiting: waiting.id };
  }

  it("lists a reservation and a task in progress with their holders and ends, as a table and as JSON", async () => {
    const { dir, held } = await seeded();
    const run = await runCli(dir, ["reservations"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PATH\s+HOLDER\s+HOLD\s+TASK\s+UNTIL\s+REASON$/m);
    expect(run.stdout).toMatch(/^docs\/\*\*\s+claude-2\s+exclusive\s+-\s+(29m \d+s|30m 0s) left\s+rewriting the docs$/m);
    expect(run.stdout).toMatch(new RegExp(`^src/auth/\\*\\*\\s+worker-1\\s+task\\s+${held}\\s+lease (9m \\d+s|10m 0s) left$`, "m"));
    expect(run.stdout).toContain("1 ready task waits for these paths to be free.");

    const json = await runCliJson<{ workflow: string; holds: Record<string, unknown>[]; conflicting: number }>(dir, ["reservations", "default"]);
    expect(json.workflow).toBe("default");
    expect(json.conflicting).toBe(1);
    expect(json.holds).toEqual([
      expect.objectContaining({ path: "docs/**", held_by: "claude-2", source: "reservation", exclusive: true, task_id: null, reason: "rewriting the docs" }),
      expect.objectContaining({ path: "src/auth/**", held_by: "worker-1", source: "task", exclusive: true, task_id: held, expires_at: null }),
    ]);
    expect(Date.parse(String(json.holds[0]?.expires_at))).toBeGreaterThan(Date.now());
    expect(Date.parse(String(json.holds[1]?.lease_expires_at))).toBeGreaterThan(Date.now());
  });

  it("says when no path is held, and exits 2 for a workflow that does not exist", async () => {
    const dir = await tempDir();
    await new Workflows({ stateDir: dir }).get("default").createTask({ type: "plain" });
    expect(await runCli(dir, ["reservations"])).toMatchObject({ code: 0, stdout: "No path is held in workflow default right now.\n" });
    const missing = await runCli(dir, ["reservations", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no workflow "nope"');
  });

  it("summary counts the ready task held back as conflicting", async () => {
    const { dir } = await seeded();
    const run = await runCli(dir, ["summary"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/pending\s+1\s+ready 0, conflicting 1, waiting 0, scheduled 0, blocked 0/);
    const json = await runCliJson<{ summary: { pending_counts: Record<string, number> } }>(dir, ["summary"]);
    expect(json.summary.pending_counts).toMatchObject({ ready: 0, conflicting: 1 });
  });

  it("show gives a task's paths, and for a pending one the holds in its way", async () => {
    const { dir, held, waiting } = await seeded();
    const shown = await runCli(dir, ["show", waiting]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^ {2}paths\s+src\/auth\/session\.ts$/m);
    expect(shown.stdout).toMatch(new RegExp(`^ {2}conflicts\\s+src/auth/\\*\\* \\(worker-1, task ${held}\\)$`, "m"));
    const json = await runCliJson<{ task: { paths: string[] }; path_conflicts: { held_path: string; held_by: string }[] }>(dir, ["show", waiting]);
    expect(json.task.paths).toEqual(["src/auth/session.ts"]);
    expect(json.path_conflicts).toEqual([expect.objectContaining({ path: "src/auth/session.ts", held_path: "src/auth/**", held_by: "worker-1", task_id: held })]);
    const holder = await runCli(dir, ["show", held]);
    expect(holder.stdout).toMatch(/^ {2}paths\s+src\/auth\/\*\*$/m);
    expect(holder.stdout).not.toContain("conflicts");
  });
});
