/**
 * The package as a user gets it: `npm pack`, then an empty ESM project installs the
 * tarball with only typescript and @types/node beside it. Its types check with
 * skipLibCheck off (no optional driver's types leak), the JSON store works, and the
 * SQLite store, whose driver is an optional peer that was not installed, says in one line what to run.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/paths.js";
import { requirement } from "../helpers/requirements.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface PackedFile {
  path: string;
}

// npm test sets npm_config_* and npm_package_* for its scripts; a nested npm must not inherit them.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")));

function run(command: string, args: readonly string[], cwd: string, timeout = 240_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: cleanEnv, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const registryReachable = spawnSync("npm", ["ping"], { env: cleanEnv, stdio: "ignore", timeout: 20_000 }).status === 0;

/** The consumer: what a user's TypeScript would do with the package. */
const CONSUMER = `
import { isTaskManagerError, SqliteStore, TaskManager, type Task } from "task-manager-mcp";

const [mode, dir] = process.argv.slice(2);
if (mode === "json") {
  const tm = new TaskManager({ stateFile: \`\${dir}/wf.json\` });
  const id = await tm.createTask({ type: "build", data: { target: "docs" } });
  const claimed = await tm.getNextTask({ agentId: "agent-1" });
  await tm.completeTask({ taskId: id, agentId: "agent-1", claimToken: claimed?.claim_token, resultData: { ok: true } });
  const task: Task | null = await tm.getTask(id);
  console.log(JSON.stringify({ status: task?.status, result: task?.result }));
  await tm.close();
} else {
  const tm = new TaskManager({ store: new SqliteStore({ file: \`\${dir}/tasks.sqlite\`, workflow: "w" }) });
  try {
    await tm.createTask({ type: "build" });
    console.log(JSON.stringify({ created: true }));
  } catch (error) {
    if (!isTaskManagerError(error)) throw error;
    console.log(JSON.stringify({ code: error.code, message: error.message }));
  }
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
    outDir: "out",
  },
  files: ["consumer.ts"],
};

/** What a user needs, and nothing else: the built code and types, the dashboard, the prompts, config examples. */
const ALLOWED = [/^dist\/.+\.js$/, /^dist\/.+\.d\.ts$/, /^dashboard\/[^/]+$/, /^prompts\/[^/]+\.md$/, /^[a-z]+(-[a-z]+)*\.(json|toml)\.example$/, /^README\.md$/, /^LICENSE$/, /^package\.json$/];

describe.skipIf(!requirement(registryReachable, "the npm registry (npm ping failed), to install typescript and @types/node into a consumer project"))("the packed package in a project of its own", () => {
  let work: string;
  let consumer: string;
  let packed: PackedFile[];
  let tarball: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "tm-pack-"));
    // dist is built by npm test before vitest runs; --ignore-scripts packs it as it is, without building again.
    const pack = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], repoRoot);
    expect(pack.code, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: PackedFile[] }];
    packed = info.files;
    tarball = join(work, info.filename);
    consumer = join(work, "consumer");
    await mkdir(consumer);
    await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await writeFile(join(consumer, "tsconfig.json"), JSON.stringify(TSCONFIG));
    await writeFile(join(consumer, "consumer.ts"), CONSUMER);
    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, "typescript@5.9", "@types/node@20"], consumer);
    expect(install.code, install.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("ships only what a user needs: built code and types, dashboard, prompts, config examples, README, LICENSE", () => {
    const paths = packed.map((file) => file.path);
    expect(paths.filter((path) => !ALLOWED.some((pattern) => pattern.test(path)))).toEqual([]);
    for (const needed of ["dist/index.js", "dist/index.d.ts", "dist/cli.js", "dashboard/index.html", "prompts/worker.md", "mcp.json.example", "README.md", "LICENSE", "package.json"]) {
      expect(paths).toContain(needed);
    }
  });

  it("installs without either database driver: they are optional peers", () => {
    expect(existsSync(join(consumer, "node_modules", "task-manager-mcp", "dist", "index.js"))).toBe(true);
    expect(existsSync(join(consumer, "node_modules", "better-sqlite3"))).toBe(false);
    expect(existsSync(join(consumer, "node_modules", "pg"))).toBe(false);
  });

  it("type-checks a consumer with skipLibCheck off, module nodenext, and only typescript and @types/node installed", async () => {
    const tsc = await run(process.execPath, [join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], consumer);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
  }, 180_000);

  it("runs the consumer: the JSON store works, and the SQLite store without better-sqlite3 says in one line what to install", async () => {
    const compiled = join(consumer, "out", "consumer.js");
    if (!existsSync(compiled)) {
      const tsc = await run(process.execPath, [join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], consumer);
      expect(tsc.code, tsc.stdout).toBe(0);
    }
    const json = await run(process.execPath, [compiled, "json", consumer], consumer);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toEqual({ status: "completed", result: { ok: true } });
    const sqlite = await run(process.execPath, [compiled, "sqlite", consumer], consumer);
    expect(sqlite.stderr).toBe("");
    expect(JSON.parse(sqlite.stdout)).toEqual({
      code: "STORE_UNAVAILABLE",
      message: 'The sqlite store needs the "better-sqlite3" package, which is not installed: run npm install better-sqlite3',
    });
  }, 180_000);

  it("says in one line to rebuild better-sqlite3 when its native addon does not load (as after switching Node.js versions)", async () => {
    const modules = join(consumer, "node_modules");
    // The real driver's JavaScript, with an addon that is not one: dlopen fails as it does for another Node.js ABI.
    for (const name of ["bindings", "file-uri-to-path"]) await cp(join(repoRoot, "node_modules", name), join(modules, name), { recursive: true });
    await cp(join(repoRoot, "node_modules", "better-sqlite3", "package.json"), join(modules, "better-sqlite3", "package.json"));
    await cp(join(repoRoot, "node_modules", "better-sqlite3", "lib"), join(modules, "better-sqlite3", "lib"), { recursive: true });
    await mkdir(join(modules, "better-sqlite3", "build", "Release"), { recursive: true });
    await writeFile(join(modules, "better-sqlite3", "build", "Release", "better_sqlite3.node"), "not a shared object");
    try {
      const sqlite = await run(process.execPath, [join(consumer, "out", "consumer.js"), "sqlite", consumer], consumer);
      expect(sqlite.stderr).toBe("");
      expect(JSON.parse(sqlite.stdout)).toEqual({
        code: "STORE_UNAVAILABLE",
        message: 'The sqlite store\'s "better-sqlite3" package was built for another version of Node.js or is damaged: run npm rebuild better-sqlite3',
      });
    } finally {
      for (const name of ["better-sqlite3", "bindings", "file-uri-to-path"]) await rm(join(modules, name), { recursive: true, force: true });
    }
  }, 180_000);

  it("runs the bin: --help answers", async () => {
    const manifest = JSON.parse(await readFile(join(consumer, "node_modules", "task-manager-mcp", "package.json"), "utf8")) as { bin: Record<string, string> };
    const help = await run(process.execPath, [join(consumer, "node_modules", "task-manager-mcp", manifest.bin["task-manager-mcp"] ?? ""), "--help"], consumer);
    expect(help.stdout).toContain("task-manager-mcp");
    expect(help.code, help.stderr).toBe(0);
  });
});
