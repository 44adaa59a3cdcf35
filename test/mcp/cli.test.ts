/**
 * The bin as a user and an MCP client meet it: flags and environment, clear failures
 * with exit code 1, nothing on stdout but protocol, and a clean exit when the client goes.
 */
import { spawn } from "node:child_process";
import { access, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cliPath, ok, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { repoRoot } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { locksLetGo, tempDir } from "../helpers/temp-dir.js";

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** The environment of a run without any TASK_MANAGER_* setting of the test runner's. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("TASK_MANAGER_")));
  return { ...env, ...extra };
}

describe("--version and --help", () => {
  it("--version prints the package version", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { version: string };
    const run = await runNode(cliPath, ["--version"], { env: cleanEnv() });
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("--help names every flag and its environment variable", async () => {
    const run = await runNode(cliPath, ["--help"], { env: cleanEnv() });
    expect(run.code).toBe(0);
    for (const word of [
      "--state-dir",
      "TASK_MANAGER_STATE_DIR",
      "--task-timeout-hours",
      "TASK_MANAGER_TASK_TIMEOUT_HOURS",
      "--lock-timeout",
      "TASK_MANAGER_LOCK_TIMEOUT",
      "--agent-id",
      "TASK_MANAGER_AGENT_ID",
    ]) {
      expect(run.stdout).toContain(word);
    }
  });
});

describe("refusing to start", () => {
  it.each([
    [["--lock-timeout", "abc"], {}, "--lock-timeout"],
    [["--lock-timeout", "-1"], {}, "--lock-timeout"],
    [["--task-timeout-hours", "0"], {}, "--task-timeout-hours"],
    [[], { TASK_MANAGER_TASK_TIMEOUT_HOURS: "soon" }, "TASK_MANAGER_TASK_TIMEOUT_HOURS"],
    [["--agent-id", ""], {}, "--agent-id"],
    [["--agent-id", "bad\u0001id"], {}, "agent id"],
    [["--no-such-flag"], {}, "--no-such-flag"],
    [["no-such-command"], {}, "no-such-command"],
  ])("%j %j: exit 1 with a message naming %s", async (args, env, named) => {
    const stateDir = await tempDir();
    const isCommand = args[0] !== undefined && !args[0].startsWith("-");
    const run = await runNode(cliPath, isCommand ? args : ["--state-dir", stateDir, ...args], { env: cleanEnv(env) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(named);
    expect(await readdir(stateDir)).toEqual([]);
  });

  it("exits 1 with a message when the state directory is unusable", async () => {
    const dir = await tempDir();
    const aFile = join(dir, "a-file");
    await writeFile(aFile, "not a directory");
    for (const stateDir of [aFile, join(aFile, "below")]) {
      const run = await runNode(cliPath, ["--state-dir", stateDir], { env: cleanEnv() });
      expect(run.code, stateDir).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(`cannot use state directory "${stateDir}"`);
      expect(run.stderr).toContain("not a directory");
    }
  });
});

describe("configuration", () => {
  it("uses TASK_MANAGER_STATE_DIR, else .task-manager in the working directory, created on the first write", async () => {
    const cwd = await tempDir();
    const byDefault = await startServer({ cwd, clientName: "a" });
    running.push(byDefault);
    await expect(access(join(cwd, ".task-manager"))).rejects.toThrow();
    ok(await byDefault.call("create_task", { task_type: "a" }));
    expect(await readdir(join(cwd, ".task-manager"))).toContain("default.json");

    const envDir = join(await tempDir(), "from-env");
    const byEnv = await startServer({ cwd, clientName: "b", env: { TASK_MANAGER_STATE_DIR: envDir } });
    running.push(byEnv);
    ok(await byEnv.call("create_task", { workflow: "envwf", task_type: "a" }));
    await locksLetGo(envDir);
    expect(await readdir(envDir)).toEqual(["envwf.json"]);
  });

  it("takes the stale-claim timeout from the environment (fractions of an hour)", async () => {
    const stateDir = await tempDir();
    const env = { TASK_MANAGER_TASK_TIMEOUT_HOURS: "0.0001" };
    const first = await startServer({ stateDir, clientName: "first", env });
    const second = await startServer({ stateDir, clientName: "second", env });
    running.push(first, second);
    ok(await first.call("create_task", { task_type: "a" }));
    ok(await first.call("get_next_task"));
    let holder: string | null = null;
    for (let tries = 0; tries < 100 && holder !== "second"; tries++) {
      holder = ok<{ task: { locked_by: string } | null }>(await second.call("get_next_task")).task?.locked_by ?? null;
      if (holder === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(holder).toBe("second");
  });
});

describe("the stdio channel", () => {
  it("writes only JSON-RPC messages to stdout, logs to stderr, and on stdin closing answers the calls in flight and exits 0", async () => {
    const stateDir = await tempDir();
    await mkdir(stateDir, { recursive: true });
    const child = spawn(process.execPath, [cliPath, "--state-dir", stateDir], { env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));

    const send = (message: object): void => {
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    };
    const responses = (): Array<{ id?: number; result?: unknown; error?: unknown }> =>
      stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { id?: number });
    const waitFor = async (id: number): Promise<void> => {
      for (let tries = 0; tries < 200 && !responses().some((message) => message.id === id); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };

    send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    await waitFor(1);
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/call", params: { name: "create_task", arguments: { task_type: "a" } } });
    send({ id: 3, method: "tools/call", params: { name: "get_task", arguments: { task_id: "missing_00000000" } } });
    send({ id: 4, method: "tools/call", params: { name: "create_task", arguments: { task_type: 7 } } });
    // Close at once: the calls in flight are still finished and answered before the exit.
    child.stdin.end();

    expect(await exited).toBe(0);
    // Every line is a JSON-RPC message (notifications allowed), and each request got one answer.
    const lines = stdout.split("\n").filter(Boolean);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
    expect(responses().flatMap((message) => (message.id === undefined ? [] : [message.id])).sort()).toEqual([1, 2, 3, 4]);
    const byId = Object.fromEntries(responses().map((message) => [message.id, message]));
    expect(byId[2]).toMatchObject({ result: { structuredContent: { task: { type: "a" } } } });
    expect(byId[3]).toMatchObject({ result: { isError: true } });
    expect(byId[4]).toMatchObject({ result: { isError: true } });
    expect(stderr).toContain("serving state directory");
  });

  it("exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [cliPath, "--state-dir", await tempDir()], { env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    for (let tries = 0; tries < 200 && !stderr.includes("serving"); tries++) await new Promise((resolve) => setTimeout(resolve, 25));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
