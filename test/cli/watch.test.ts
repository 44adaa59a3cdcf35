/**
 * `watch`: a running watcher shows what other processes change, without being asked
 * again, and stops cleanly on Ctrl-C. Piped (as here), it prints one snapshot per change.
 */
import { describe, expect, it } from "vitest";
import { Workflows } from "../../src/index.js";
import { runCli, startCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("watch", () => {
  it("shows a task created and then claimed by other processes, and exits 0 on SIGINT", async () => {
    const dir = await tempDir();
    const watcher = startCli(dir, ["watch", "builds"]);
    try {
      await watcher.waitForStdout((out) => out.includes('no workflow "builds"'), "the waiting message");
      const add = await runCli(dir, ["add", "compile", "-w", "builds"]);
      expect(add.code).toBe(0);
      await watcher.waitForStdout((out) => /Workflow builds: 1 task/.test(out), "the new workflow's summary");
      await new Workflows({ stateDir: dir }).get("builds").getNextTask({ agentId: "agent-7", leaseSeconds: 600 });
      const id = add.stdout.trim();
      const out = await watcher.waitForStdout((text) => new RegExp(`${id}\\s+compile\\s+agent-7`).test(text), "the holder");
      expect(out).toMatch(/in progress\s+1/);
    } finally {
      expect(await watcher.stop("SIGINT")).toBe(0);
    }
  });

  it("without a workflow shows every workflow and who holds what across them; --json prints one object per change", async () => {
    const dir = await tempDir();
    const workflows = new Workflows({ stateDir: dir });
    await workflows.get("alpha").createTask({ type: "a" });
    const watcher = startCli(dir, ["watch", "--json"]);
    try {
      await watcher.waitForStdout((out) => out.includes('"kind":"all"'), "the first snapshot");
      await workflows.get("beta").createTask({ type: "b" });
      const claimed = await workflows.get("beta").getNextTask({ agentId: "agent-9" });
      const out = await watcher.waitForStdout((text) => text.includes('"locked_by":"agent-9"'), "the claim in beta");
      const last = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { overviews: { name: string }[]; held: { workflow: string; task: { id: string } }[] };
      expect(last.overviews.map((o) => o.name)).toEqual(["alpha", "beta"]);
      expect(last.held).toEqual([{ workflow: "beta", task: expect.objectContaining({ id: claimed?.id }) }]);
    } finally {
      expect(await watcher.stop("SIGTERM")).toBe(0);
    }
  });
});
