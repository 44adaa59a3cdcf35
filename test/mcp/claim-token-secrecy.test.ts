/**
 * A claim's token is handed to the claimer once, in its get_next_task result, and shown
 * nowhere else: not by any tool, resource, CLI command or the dashboard, and not in the
 * state file or an export, which keep only its SHA-256. Whoever can read the workflow
 * (another agent, a person, a copy of the file) cannot take the claim over with it.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { startDashboard, type RunningDashboard } from "../helpers/dashboard.js";
import { ok, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp-dir.js";

const running: RunningServer[] = [];
const dashboards: RunningDashboard[] = [];
afterEach(async () => {
  await Promise.all([...running.splice(0).map((server) => server.close()), ...dashboards.splice(0).map((d) => d.process.stop("SIGTERM"))]);
});

type Claim = { task: { id: string; claim_token: string } | null };

it("shows a claim's token only in the claim's result: no read, no CLI command, no dashboard, no stored state", async () => {
  const stateDir = await tempDir();
  const server = await startServer({ stateDir, clientName: "claude-code" });
  running.push(server);
  const parent = ok<{ task: { id: string } }>(await server.call("create_task", { task_type: "parent", workflow: "w" })).task.id;
  ok(await server.call("create_task", { task_type: "child", parent_id: parent, workflow: "w" }));
  const claim = ok<Claim>(await server.call("get_next_task", { workflow: "w", task_types: ["child"], lease_seconds: 600 })).task;
  const token = claim?.claim_token ?? "";
  const id = claim?.id ?? "";
  const secret = token.slice(token.indexOf(".") + 1);
  expect(secret.length).toBeGreaterThanOrEqual(24);

  const outputs: [string, string][] = [];
  const tool = async (name: string, args: Record<string, unknown>) => {
    const result = await server.call(name, { workflow: "w", ...args });
    outputs.push([`tool ${name}`, JSON.stringify(result.structuredContent) + textOf(result)]);
  };
  await tool("get_task", { task_id: id });
  await tool("list_tasks", {});
  await tool("get_task_children", { task_id: parent });
  await tool("summary", {});
  await tool("list_workflows", {});
  await tool("heartbeat_task", { task_id: id });
  for (const uri of ["workflow://w", `workflow://w/tasks/${id}`]) {
    outputs.push([`resource ${uri}`, JSON.stringify(await server.client.readResource({ uri }))]);
  }

  for (const args of [["show", id, "-w", "w"], ["tasks", "w"], ["summary", "w"], ["workflows"], ["export", "-w", "w"]]) {
    for (const json of [[], ["--json"]]) {
      if (args[0] === "export" && json.length > 0) continue;
      const run = await runCli(stateDir, [...args, ...json]);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
      outputs.push([`cli ${[...args, ...json].join(" ")}`, run.stdout + run.stderr]);
    }
  }

  const dashboard = await startDashboard(stateDir);
  dashboards.push(dashboard);
  for (const path of ["/api/workflows", "/api/workflows/w"]) {
    const response = await fetch(`${dashboard.origin}${path}`);
    expect(response.status).toBe(200);
    outputs.push([`dashboard ${path}`, await response.text()]);
  }

  const file = await readFile(join(stateDir, "w.json"), "utf8");
  outputs.push(["state file", file]);

  for (const [where, text] of outputs) {
    expect(text, where).not.toContain(secret);
    expect(text, where).not.toContain("claim_token\"");
  }
  // The state file and the export keep the digest, which only checks a token.
  const digest = createHash("sha256").update(secret).digest("hex");
  expect(file).toContain(`"claim_token_sha256": "${digest}"`);
  expect(outputs.find(([where]) => where === "cli export -w w")?.[1]).toContain(digest);
  // And only there: no read shows it.
  for (const [where, text] of outputs) if (where !== "state file" && where !== "cli export -w w") expect(text, where).not.toContain(digest);

  // The token still works for its claim.
  expect(ok<{ task: { status: string } }>(await server.call("complete_task", { workflow: "w", task_id: id, claim_token: token })).task.status).toBe("completed");
});
