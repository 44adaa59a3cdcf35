/**
 * A person overriding agents from the command line: `release ID --force` and
 * `cancel ID`, through the built bin against a real state file that a real agent
 * (the library, as an MCP server uses it) holds claims in.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Workflows } from "../../src/index.js";
import { runCli, runCliJson } from "../helpers/cli.js";
import { codeOf } from "../helpers/coordination.js";
import { tempDir } from "../helpers/temp-dir.js";

async function heldByWorker() {
  const dir = await tempDir();
  const tm = new Workflows({ stateDir: dir }).get("default");
  const id = await tm.createTask({ type: "build" });
  const child = await tm.createTask({ type: "test", parentId: id });
  await tm.getNextTask({ agentId: "worker-1", taskTypes: ["build"], leaseSeconds: 3600 });
  return { dir, tm, id, child, stateFile: join(dir, "default.json") };
}

describe("release ID --force", () => {
  it("takes a task with a long lease back from its agent, records who did it, and lets another agent claim it", async () => {
    const { dir, tm, id } = await heldByWorker();
    const run = await runCli(dir, ["release", id, "--force", "--as", "human:ana"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`released ${id} in workflow default (forced: taken from "worker-1"); it is pending again.\n`);
    const task = await tm.getTask(id);
    expect(task).toMatchObject({ status: "pending", locked_by: null });
    expect(task?.history?.at(-1)).toMatchObject({ event: "released", agent: "human:ana", detail: 'forced: taken from "worker-1"' });
    // The stuck agent's late result is refused; another agent gets the task.
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "worker-1" }))).toBe("TASK_NOT_IN_PROGRESS");
    expect(await tm.getNextTask({ agentId: "worker-2", taskTypes: ["build"] })).toMatchObject({ id, locked_by: "worker-2", attempts: 2 });
  });

  it("records the person as human:<login name> by default", async () => {
    const { dir, tm, id } = await heldByWorker();
    const { task } = await runCliJson<{ task: { status: string } }>(dir, ["release", id, "--force"]);
    expect(task.status).toBe("pending");
    expect((await tm.getTask(id))?.history?.at(-1)?.agent).toMatch(/^human:.+/);
  });

  it("without --force exits 1 and changes nothing; a task nobody holds exits 3", async () => {
    const { dir, stateFile, id, child } = await heldByWorker();
    const before = await readFile(stateFile);
    const unforced = await runCli(dir, ["release", id]);
    expect(unforced.code).toBe(1);
    expect(unforced.stderr).toContain("--force");
    const notHeld = await runCli(dir, ["release", child, "--force"]);
    expect(notHeld.code).toBe(3);
    expect(notHeld.stderr).toContain("not in_progress");
    expect(await readFile(stateFile)).toEqual(before);
    expect((await runCli(dir, ["release", "build_00000000", "--force"])).code).toBe(2);
  });
});

describe("cancel ID", () => {
  it("cancels a pending task, with the reason in its history", async () => {
    const { dir, tm, child } = await heldByWorker();
    const run = await runCli(dir, ["cancel", child, "--reason", "not needed", "--as", "human:ana"]);
    expect(run).toMatchObject({ code: 0, stdout: `cancelled ${child} in workflow default.\n` });
    expect((await tm.getTask(child))?.history?.at(-1)).toMatchObject({ event: "cancelled", agent: "human:ana", detail: "not needed" });
  });

  it("refuses a task an agent holds unless --force (exit 3, nothing changed), then with --cascade ends it and its pending subtree", async () => {
    const { dir, tm, stateFile, id, child } = await heldByWorker();
    const before = await readFile(stateFile);
    const refused = await runCli(dir, ["cancel", id, "--cascade"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("add --force");
    expect(await readFile(stateFile)).toEqual(before);

    const { task } = await runCliJson<{ task: { status: string; cancelled_descendants: number } }>(dir, ["cancel", id, "--cascade", "--force"]);
    expect(task).toMatchObject({ status: "cancelled", cancelled_descendants: 1 });
    expect(await tm.getTask(child)).toMatchObject({ status: "cancelled" });
    expect(await codeOf(tm.completeTask({ taskId: id, agentId: "worker-1" }))).toBe("TASK_NOT_IN_PROGRESS");

    const again = await runCli(dir, ["cancel", id, "--force"]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("already cancelled");
  });
});
