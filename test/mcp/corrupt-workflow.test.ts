/** A corrupt workflow file is reported and left alone, while the other workflows keep working. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ok, refusal, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp-dir.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
});

it("reports a corrupt workflow with STATE_FILE_CORRUPT, never overwrites it, and serves the others", async () => {
  const stateDir = await tempDir();
  const corruptFile = join(stateDir, "broken.json");
  const corrupt = '{"workflow_type": "generic", "metadata": {"initialized_at": "x", "last_upd';
  await writeFile(corruptFile, corrupt);
  server = await startServer({ stateDir, clientName: "agent" });
  ok(await server.call("create_task", { workflow: "healthy", task_type: "a" }));

  for (const [tool, args] of [
    ["create_task", { task_type: "a" }],
    ["get_next_task", {}],
    ["summary", {}],
    ["list_tasks", {}],
    ["get_task", { task_id: "a_00000000" }],
    ["update_workflow_metadata", { metadata: { x: 1 } }],
  ] as const) {
    const message = refusal(await server.call(tool, { workflow: "broken", ...args }), "STATE_FILE_CORRUPT");
    expect(message, tool).toContain("broken.json");
  }
  expect(await readFile(corruptFile, "utf8")).toBe(corrupt);

  const { workflows } = ok<{ workflows: Array<{ name: string; total_tasks?: number; error?: { code: string; message: string } }> }>(
    await server.call("list_workflows"),
  );
  expect(workflows.find((w) => w.name === "broken")?.error).toMatchObject({ code: "STATE_FILE_CORRUPT" });
  expect(workflows.find((w) => w.name === "healthy")).toMatchObject({ total_tasks: 1 });
  expect(workflows.find((w) => w.name === "healthy")?.error).toBeUndefined();

  await expect(server.client.readResource({ uri: "workflow://broken" })).rejects.toThrow(/STATE_FILE_CORRUPT/);
  expect((await server.client.listResources()).resources.map((resource) => resource.name)).toEqual(["broken", "healthy"]);

  const { task } = ok<{ task: { id: string } }>(await server.call("get_next_task", { workflow: "healthy" }));
  expect(ok<{ task: { status: string } }>(await server.call("complete_task", { workflow: "healthy", task_id: task.id })).task.status).toBe("completed");
});
