/**
 * A session's digest, kept with its reservations and its claims, shows
 * in no tool result, resource, command output (but `export`, a state file for `import`) or
 * dashboard JSON.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { startDashboard, type RunningDashboard } from "../helpers/dashboard.js";
import { ok, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp-dir.js";

const running: RunningServer[] = [];
const dashboards: RunningDashboard[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
  await Promise.all(dashboards.splice(0).map((dashboard) => dashboard.process.stop()));
});

it("no digest of a holder's session in tool results, resources, command output or the dashboard", async () => {
  const stateDir = await tempDir();
  const server = await startServer({ stateDir, clientName: "alice" });
  running.push(server);
  const seen: string[] = [];
  const call = async (tool: string, args: Record<string, unknown> = {}): Promise<CallToolResult> => {
    const result = await server.call(tool, { workflow: "w", ...args });
    seen.push(`${tool}: ${JSON.stringify(result)}`);
    return result;
  };
  const created = ok<{ task: { id: string } }>(await call("create_task", { task_type: "held", paths: ["src/auth/**"] })).task;
  ok(await call("create_task", { task_type: "waits", paths: ["src/auth/login.ts"] }));
  const claimed = ok<{ task: { id: string; claim_token: string } }>(await call("get_next_task", { task_types: ["held"] })).task;
  ok(await call("reserve_paths", { paths: ["docs/**"], reason: "why" }));
  ok(await call("reserve_paths", { paths: ["lib/**"], task_id: created.id }));
  await call("reserve_paths", { paths: [] });
  for (const tool of ["summary", "list_tasks", "list_workflows"]) await call(tool);
  await call("get_task", { task_id: claimed.id });
  for (const resource of (await server.client.listResources()).resources) {
    seen.push(`${resource.uri}: ${JSON.stringify(await server.client.readResource({ uri: resource.uri }))}`);
  }
  seen.push(JSON.stringify(await server.client.readResource({ uri: "workflow://w" })));

  const state = await readFile(join(stateDir, "w.json"), "utf8");
  const digests = [...new Set([...state.matchAll(/"\w*session\w*":\s*"([0-9a-f]{32,})"/g)].map((match) => match[1] as string))];
  expect(digests.length).toBeGreaterThan(0);

  for (const args of [["summary", "w"], ["tasks", "w"], ["show", claimed.id, "-w", "w"], ["reservations", "w"], ["workflows"]]) {
    for (const json of [[], ["--json"]]) {
      const run = await runCli(stateDir, [...args, ...json]);
      expect(run.code, run.stderr).toBe(0);
      seen.push(`${args.join(" ")}: ${run.stdout}${run.stderr}`);
    }
  }
  const dashboard = await startDashboard(stateDir);
  dashboards.push(dashboard);
  for (const path of ["/api/workflows", "/api/workflows/w"]) seen.push(`${path}: ${await (await fetch(dashboard.origin + path)).text()}`);

  for (const text of seen) {
    for (const digest of digests) expect(text).not.toContain(digest);
    expect(text).not.toMatch(/session_sha256|holder_session/);
  }
  // Export is a state file for import: it keeps the holders, so a reservation outlives the move.
  const exported = await runCli(stateDir, ["export", "-w", "w"]);
  expect(digests.some((digest) => exported.stdout.includes(digest))).toBe(true);
});
