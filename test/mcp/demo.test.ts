/** `npm run demo` as docs/mcp.md shows it: three agents work a pipeline through the real server. */
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";

it("the demo runs the pipeline to the end, each task done once", async () => {
  const run = await runNode(join(repoRoot, "examples", "demo.mjs"), []);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("NOT_CLAIM_HOLDER");
  expect(run.stdout).toMatch(/released analyze_/);
  expect(run.stdout).toContain('summary: 9 tasks, {"pending":0,"in_progress":0,"completed":9');
  expect(run.stdout).toContain("each task done once: true");
  for (const agent of ["alice", "bob", "carol"]) expect(run.stdout).toMatch(new RegExp(`^  ${agent}\\s+\\d+: `, "m"));
});
