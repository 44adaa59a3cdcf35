/**
 * A task shows the fields of a claim (locked_by, locked_at, lease_expires_at, lease_seconds)
 * only while it is in progress: tool results and resources of a pending or finished task
 * carry none, over every store. The JSON state file keeps the seed's format all the same.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ok, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { SERVER_STORES } from "../helpers/server-stores.js";
import { tempDir } from "../helpers/temp-dir.js";

const CLAIM_FIELDS = ["locked_by", "locked_at", "lease_expires_at", "lease_seconds"];

interface ShownTask {
  id: string;
  status: string;
  [field: string]: unknown;
}

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

function expectNoClaimFields(task: ShownTask | undefined, where: string): void {
  expect(task, where).toBeDefined();
  for (const field of CLAIM_FIELDS) expect(Object.keys(task as ShownTask), `${where}: ${(task as ShownTask).status} task`).not.toContain(field);
}

describe.each(SERVER_STORES)("the %s store", (_name, storeArgs) => {
  it("shows a claim's fields on an in-progress task only", async () => {
    const stateDir = await tempDir();
    const server = await startServer({ stateDir, args: storeArgs(), clientName: "agent" });
    running.push(server);
    const call = async (tool: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> => ok(await server.call(tool, args));
    const task = (result: Record<string, unknown>): ShownTask => result["task"] as ShownTask;

    const parent = task(await call("create_task", { task_type: "parent" }));
    expectNoClaimFields(parent, "create_task");
    const ids: Record<string, string> = {};
    for (const name of ["completed", "failed", "cancelled", "released", "held", "cancelled_unheld", "pending"]) {
      ids[name] = task(await call("create_task", { task_type: name, parent_id: parent.id })).id;
    }
    const claim = async (name: string): Promise<ShownTask> => {
      const claimed = task(await call("get_next_task", { task_types: [name] }));
      for (const field of CLAIM_FIELDS) expect(claimed[field], `get_next_task: ${field}`).not.toBeNull();
      return claimed;
    };
    await claim("parent");
    await claim("completed");
    expectNoClaimFields(task(await call("complete_task", { task_id: ids["completed"], result: { ok: true } })), "complete_task completed");
    await claim("failed");
    expectNoClaimFields(task(await call("complete_task", { task_id: ids["failed"], status: "failed" })), "complete_task failed");
    await claim("cancelled");
    expectNoClaimFields(task(await call("complete_task", { task_id: ids["cancelled"], status: "cancelled" })), "complete_task cancelled");
    await claim("released");
    expectNoClaimFields(task(await call("release_task", { task_id: ids["released"] })), "release_task");
    await claim("held");
    ok(await server.call("cancel_task", { task_id: ids["cancelled_unheld"] }));

    const statuses: Record<string, string> = {};
    for (const [name, id] of Object.entries(ids)) {
      const shown = task(await call("get_task", { task_id: id }));
      statuses[name] = shown.status;
      if (name === "held") expect(shown, "get_task held").toMatchObject({ locked_by: "agent", locked_at: expect.any(String), lease_expires_at: expect.any(String), lease_seconds: expect.any(Number) });
      else expectNoClaimFields(shown, `get_task ${name}`);
      const resource = (await server.client.readResource({ uri: `workflow://default/tasks/${id}` })).contents[0] as { text: string };
      const read = JSON.parse(resource.text) as ShownTask;
      if (name === "held") expect(read.locked_by).toBe("agent");
      else expectNoClaimFields(read, `task resource ${name}`);
    }
    expect(statuses).toEqual({
      completed: "completed",
      failed: "failed",
      cancelled: "cancelled",
      released: "pending",
      held: "in_progress",
      cancelled_unheld: "cancelled",
      pending: "pending",
    });

    const listed = (await call("list_tasks"))["tasks"] as ShownTask[];
    const children = (await call("get_task_children", { task_id: parent.id }))["tasks"] as ShownTask[];
    const resource = (await server.client.readResource({ uri: "workflow://default" })).contents[0] as { text: string };
    const inResource = (JSON.parse(resource.text) as { tasks: ShownTask[] }).tasks;
    for (const [where, tasks] of [["list_tasks", listed], ["get_task_children", children], ["workflow resource", inResource]] as const) {
      for (const shown of tasks) {
        if (shown.status === "in_progress") expect(shown.locked_by, where).toBe("agent");
        else expectNoClaimFields(shown, where);
      }
      expect(tasks.filter((shown) => shown.status === "in_progress").length, where).toBe(where === "get_task_children" ? 1 : 2);
    }

    if (storeArgs().length === 0) {
      // The file keeps the seed's fields: a finished task is held by nobody, said with nulls.
      const file = JSON.parse(await readFile(join(stateDir, "default.json"), "utf8")) as { tasks: Record<string, Record<string, unknown>> };
      for (const name of ["completed", "failed", "cancelled", "released", "pending"]) {
        expect(file.tasks[ids[name] as string], `${name} in the file`).toMatchObject({ locked_by: null, locked_at: null });
      }
    }
  });
});
