/**
 * The dashboard's server, through the built bin: it listens on 127.0.0.1 only unless
 * asked (then it warns), serves the page and read-only JSON, refuses writes and foreign
 * Host names, and streams a change event when another process changes a workflow.
 */
import { readFile, writeFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { Workflows } from "../../src/index.js";
import { runCli } from "../helpers/cli.js";
import { EventReader, startDashboard, type RunningDashboard } from "../helpers/dashboard.js";
import { snapshotTree, tempDir } from "../helpers/temp-dir.js";

const running: RunningDashboard[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.process.stop("SIGTERM")));
});

async function started(stateDir: string, args: string[] = []): Promise<RunningDashboard> {
  const dashboard = await startDashboard(stateDir, args);
  running.push(dashboard);
  return dashboard;
}

/** A request with a Host header of our choosing (fetch does not allow setting it). */
function get(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function seeded() {
  const dir = await tempDir();
  const workflows = new Workflows({ stateDir: dir });
  const tm = workflows.get("review");
  const first = await tm.createTask({ type: "analyze", data: { file: "a.ts" } });
  const second = await tm.createTask({ type: "report", dependsOn: [first] });
  await tm.getNextTask({ agentId: "claude-1", leaseSeconds: 600 });
  return { dir, workflows, tm, first, second };
}

describe("dashboard server", () => {
  it("serves the page and the workflows as JSON, with each held task's lease deadline", async () => {
    const { dir, first, second } = await seeded();
    const { origin } = await started(dir);
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await page.text()).toContain('<script src="/app.js"');
    for (const asset of ["/app.js", "/style.css", "/favicon.svg"]) expect((await fetch(`${origin}${asset}`)).status).toBe(200);

    const list = (await (await fetch(`${origin}/api/workflows`)).json()) as { state_dir: string; workflows: { name: string; total_tasks: number }[] };
    expect(list.workflows).toEqual([expect.objectContaining({ name: "review", total_tasks: 2 })]);

    const one = (await (await fetch(`${origin}/api/workflows/review`)).json()) as {
      tasks: { id: string; locked_by: string | null; lease_deadline?: string; depends_on?: string[]; history?: unknown[] }[];
      summary: { status_counts: Record<string, number> };
    };
    expect(one.summary.status_counts).toMatchObject({ in_progress: 1, pending: 1 });
    const held = one.tasks.find((t) => t.id === first);
    expect(held).toMatchObject({ locked_by: "claude-1" });
    const deadline = Date.parse(held?.lease_deadline ?? "");
    expect(deadline).toBeGreaterThan(Date.now());
    expect(deadline).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(held?.history?.length).toBeGreaterThan(0);
    expect(one.tasks.find((t) => t.id === second)).toMatchObject({ depends_on: [first] });
    expect(await running[0]?.process.stop("SIGINT")).toBe(0);
  });

  it("says who holds which paths until when, and marks the pending task a hold keeps waiting", async () => {
    const dir = await tempDir();
    const tm = new Workflows({ stateDir: dir }).get("paths");
    const [held, waiting] = await tm.createTasks([
      { type: "edit", paths: ["src/auth/**"] },
      { type: "edit", paths: ["src/auth/session.ts"] },
    ]);
    await tm.getNextTask({ agentId: "worker-1", leaseSeconds: 600 });
    expect((await tm.reservePaths({ agentId: "claude-2", paths: ["docs/**"], ttlSeconds: 900, reason: "docs" })).granted).toBe(true);
    const { origin } = await started(dir);
    const one = (await (await fetch(`${origin}/api/workflows/paths`)).json()) as {
      summary: { pending_counts: { conflicting: number } };
      path_holds: Record<string, unknown>[];
      tasks: { id: string; paths?: string[]; path_conflicts?: Record<string, unknown>[] }[];
    };
    expect(one.path_holds).toEqual([
      expect.objectContaining({ path: "src/auth/**", held_by: "worker-1", source: "task", task_id: held?.id, expires_at: null }),
      expect.objectContaining({ path: "docs/**", held_by: "claude-2", source: "reservation", exclusive: true, reason: "docs" }),
    ]);
    expect(Date.parse(String(one.path_holds[0]?.lease_expires_at))).toBeGreaterThan(Date.now());
    expect(Date.parse(String(one.path_holds[1]?.expires_at))).toBeGreaterThan(Date.now());
    expect(one.summary.pending_counts.conflicting).toBe(1);
    const shown = one.tasks.find((t) => t.id === waiting?.id);
    expect(shown?.paths).toEqual(["src/auth/session.ts"]);
    expect(shown?.path_conflicts).toEqual([expect.objectContaining({ held_path: "src/auth/**", held_by: "worker-1", task_id: held?.id })]);
    expect(one.tasks.find((t) => t.id === held?.id)?.path_conflicts).toBeUndefined();
  });

  it("answers a missing workflow with 404, a bad name with 400 and an unknown path with 404", async () => {
    const { dir } = await seeded();
    const { origin } = await started(dir);
    expect((await fetch(`${origin}/api/workflows/nothing`)).status).toBe(404);
    expect((await fetch(`${origin}/api/workflows/..%2Fetc`)).status).toBe(400);
    expect((await fetch(`${origin}/../package.json`)).status).toBe(404);
    expect((await fetch(`${origin}/dashboard/app.js`)).status).toBe(404);
  });

  it("lists a corrupt workflow with its error, answers it with 500 and the reason, and leaves the file untouched", async () => {
    const { dir } = await seeded();
    const corrupt = join(dir, "broken.json");
    await writeFile(corrupt, "{ not json");
    const { origin } = await started(dir);
    const list = (await (await fetch(`${origin}/api/workflows`)).json()) as { workflows: { name: string; error?: { code: string } }[] };
    expect(list.workflows).toEqual([
      { name: "broken", error: expect.objectContaining({ code: "STATE_FILE_CORRUPT" }) },
      expect.objectContaining({ name: "review", total_tasks: 2 }),
    ]);
    const one = await fetch(`${origin}/api/workflows/broken`);
    expect(one.status).toBe(500);
    expect(await one.json()).toMatchObject({ error: { code: "STATE_FILE_CORRUPT" } });
    expect(await readFile(corrupt, "utf8")).toBe("{ not json");
  });

  it("is read-only: every method but GET and HEAD is refused and nothing changes on disk", async () => {
    const { dir } = await seeded();
    const { origin } = await started(dir);
    const before = await snapshotTree(dir);
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const response = await fetch(`${origin}/api/workflows/review`, { method, body: "{}" });
      expect(response.status, method).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
    }
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("answers only to its own host names, so another site cannot reach it by DNS rebinding", async () => {
    const { dir } = await seeded();
    const { port } = await started(dir);
    expect(await get(port, "/api/workflows", `127.0.0.1:${port}`)).toBe(200);
    expect(await get(port, "/api/workflows", `localhost:${port}`)).toBe(200);
    expect(await get(port, "/api/workflows", `attacker.example:${port}`)).toBe(403);
  });

  it("listens on 127.0.0.1 only: another interface of this machine is refused", async () => {
    const { dir } = await seeded();
    const { port } = await started(dir);
    expect(await canConnect("127.0.0.1", port)).toBe(true);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === "IPv4" && !address.internal);
    if (external) expect(await canConnect(external.address, port)).toBe(false);
  });

  it("sends a change event naming the workflow when another process creates a task", async () => {
    const { dir } = await seeded();
    const { origin } = await started(dir);
    const controller = new AbortController();
    const stream = await fetch(`${origin}/api/events`, { signal: controller.signal });
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const events = new EventReader(stream.body as ReadableStream<Uint8Array>);
    try {
      expect((await events.next()).event).toBe("hello");
      const add = await runCli(dir, ["add", "summarize", "-w", "review"]);
      expect(add.code).toBe(0);
      const change = await events.nextNamed("change");
      expect(JSON.parse(change.data)).toEqual({ workflows: ["review"] });
      const after = (await (await fetch(`${origin}/api/workflows/review`)).json()) as { tasks: { id: string }[] };
      expect(after.tasks.map((t) => t.id)).toContain(add.stdout.trim());
    } finally {
      await events.close();
      controller.abort();
    }
  });

  it("starts on a state directory that does not exist yet, and hears of the first workflow created in it", async () => {
    const dir = join(await tempDir(), "not-yet");
    const { origin } = await started(dir);
    expect(await (await fetch(`${origin}/api/workflows`)).json()).toMatchObject({ workflows: [] });
    const controller = new AbortController();
    const events = new EventReader((await fetch(`${origin}/api/events`, { signal: controller.signal })).body as ReadableStream<Uint8Array>);
    try {
      await events.nextNamed("hello");
      expect((await runCli(dir, ["add", "first", "-w", "fresh"])).code).toBe(0);
      expect(JSON.parse((await events.nextNamed("change")).data)).toEqual({ workflows: ["fresh"] });
    } finally {
      await events.close();
      controller.abort();
    }
  });

  it("on another interface only when asked, with a warning on stderr; a port in use exits 1", async () => {
    const { dir } = await seeded();
    const open = await started(dir, ["--host", "0.0.0.0"]);
    expect(open.process.stderr()).toContain("warning: serving on 0.0.0.0");
    expect(await get(open.port, "/api/workflows", `some-name:${open.port}`)).toBe(200);
    const clash = await runCli(dir, ["dashboard", "--port", String(open.port)]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`port ${open.port}`);
  });
});
