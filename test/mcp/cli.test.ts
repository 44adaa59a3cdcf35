/**
 * The bin as a user and an MCP client meet it: flags and environment, clear failures
 * with exit code 1, nothing on stdout but protocol, and a clean exit when the client goes.
 */
import { spawn, spawnSync } from "node:child_process";
import { access, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cliPath, ok, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { repoRoot } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { startRawServer } from "../helpers/raw-mcp.js";
import { requirement } from "../helpers/requirements.js";
import { locksLetGo, tempDir } from "../helpers/temp-dir.js";
import { TaskManager } from "../../src/index.js";
import { acquireFileLock } from "../../src/store/json/file-lock.js";

/** What the server says on stderr when a person starts it at a terminal (src/cli/serve.ts). */
const WAITING_LINE = "waiting for an MCP client on stdin (Ctrl-C to stop; --help for the commands)";
const canScript = spawnSync("script", ["--version"]).status === 0;
const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

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
  it("writes only JSON-RPC messages to stdout, and on stdin closing answers the calls in flight and exits 0", async () => {
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
    expect(stderr).not.toContain(WAITING_LINE);
  });

  it("exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [cliPath, "--state-dir", await tempDir()], { env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // An answer to initialize shows the server is up; it says nothing on stderr to a client.
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } })}\n`);
    for (let tries = 0; tries < 200 && !stdout.includes('"id":1'); tries++) await new Promise((resolve) => setTimeout(resolve, 25));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
  });

  it("exits 0 on a second SIGTERM during the shutdown, answering the call in flight", async () => {
    const stateDir = await tempDir();
    const stateFile = join(stateDir, "alpha.json");
    await new TaskManager({ stateFile }).createTask({ type: "t" });
    const child = spawn(process.execPath, [cliPath, "--state-dir", stateDir], { env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    const send = (message: object): boolean => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    for (let tries = 0; tries < 200 && !stdout.includes('"id":1'); tries++) await new Promise((resolve) => setTimeout(resolve, 25));
    send({ method: "notifications/initialized" });
    // The create waits for the state file's lock, held here for a second, so the shutdown has a call to finish.
    const lock = await acquireFileLock(stateFile, { timeoutMs: 5_000, staleMs: 10_000, updateMs: 1_000 });
    setTimeout(() => void lock.release(), 1_000);
    send({ id: 2, method: "tools/call", params: { name: "create_task", arguments: { workflow: "alpha", task_type: "t" } } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stdout).toContain('"id":2');
    expect(stdout).not.toMatch(/"id":2,"error"|"isError":true/);
  });
});

describe("stderr at start", () => {
  it("is empty through a whole session started by a client (stdin a pipe)", async () => {
    const stateDir = await tempDir();
    const server = await startRawServer(stateDir);
    const created = await server.callRaw("create_task", '{"task_type":"a"}');
    const claimed = await server.callRaw("get_next_task", "{}");
    const id = (claimed.structuredContent as { task: { id: string } }).task.id;
    const completed = await server.callRaw("complete_task", JSON.stringify({ task_id: id }));
    expect([created.isError, claimed.isError, completed.isError]).toEqual([undefined, undefined, undefined]);
    await server.close();
    expect(server.stderr()).toBe("");
  });

  it.skipIf(!requirement(canScript, "script from util-linux, for a pseudo-terminal"))(
    "is exactly one line when stdin is a terminal, and Ctrl-C stops the server with exit 0",
    async () => {
      const dir = await tempDir();
      const errFile = join(dir, "stderr.txt");
      // script gives the server a pseudo-terminal as stdin; its stderr goes to a file, apart from stdout.
      // exec makes the server the only process there, so it alone gets Ctrl-C and its exit code is script's.
      const command = `exec ${quote(process.execPath)} ${quote(cliPath)} --state-dir ${quote(join(dir, "state"))} 2>${quote(errFile)}`;
      const child = spawn("script", ["-qfec", command, "/dev/null"], { env: cleanEnv({ SHELL: "/bin/sh" }), stdio: ["pipe", "pipe", "pipe"] });
      child.stdout.resume();
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      const stderr = async (): Promise<string> => readFile(errFile, "utf8").catch(() => "");
      for (let tries = 0; tries < 400 && !(await stderr()).includes("\n"); tries++) await new Promise((resolve) => setTimeout(resolve, 25));
      // Long enough for a second line to show up if the server wrote one.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await stderr()).toBe(`task-manager-mcp: ${WAITING_LINE}\n`);
      expect(WAITING_LINE).toMatch(/waiting for an MCP client on stdin.*Ctrl-C to stop.*--help/);
      child.stdin.write("\x03");
      expect(await exited).toBe(0);
      expect(await stderr()).toBe(`task-manager-mcp: ${WAITING_LINE}\n`);
    },
  );
});
