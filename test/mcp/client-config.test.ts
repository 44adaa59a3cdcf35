/**
 * mcp.json.example is what users copy into Claude Code, Claude Desktop, Cursor or Gemini CLI,
 * and codex-config.toml.example into Codex's ~/.codex/config.toml: with their placeholder
 * paths filled in, a client started from either works, and the two describe the same server.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/paths.js";
import { requirement } from "../helpers/requirements.js";
import { tempDir } from "../helpers/temp-dir.js";

interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

async function mcpJsonEntry(): Promise<ServerEntry> {
  const config = JSON.parse(await readFile(join(repoRoot, "mcp.json.example"), "utf8")) as { mcpServers: Record<string, ServerEntry> };
  return config.mcpServers["task-manager"] as ServerEntry;
}

/** Fills in the placeholder paths, starts the server as a client would, and works a task through it. */
async function expectWorkingServer(entry: ServerEntry, clientName: string): Promise<void> {
  const stateDir = join(await tempDir(), ".task-manager");
  const args = entry.args.map((arg) =>
    arg.replace("/absolute/path/to/task-manager-mcp", repoRoot.replace(/\/$/, "")).replace("/absolute/path/to/your/project/.task-manager", stateDir),
  );
  expect(args.join(" ")).not.toContain("/absolute/path");
  const command = entry.command === "node" ? process.execPath : entry.command;

  const client = new Client({ name: clientName, version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command, args, env: entry.env, stderr: "ignore" }));
  try {
    const created = await client.callTool({ name: "create_task", arguments: { task_type: "from-config" } });
    expect(created.isError).toBeFalsy();
    const claimed = await client.callTool({ name: "get_next_task", arguments: {} });
    expect(claimed.structuredContent).toMatchObject({ task: { type: "from-config", locked_by: clientName } });
    expect(await readFile(join(stateDir, "default.json"), "utf8")).toContain("from-config");
  } finally {
    await client.close();
  }
}

const BASIC_STRING = String.raw`"(?:[^"\\\n]|\\.)*"`;
const BARE_KEY = "[A-Za-z0-9_-]+";

/**
 * The Codex example read line by line, strictly: comments, one [table] header, then
 * `command = "..."`, `args = ["...", ...]` and `env = { KEY = "...", ... }`. Any other line or
 * value fails, so the file stays within what this reader (and every TOML reader) agrees on.
 */
function readCodexExample(toml: string): { table: string; entry: ServerEntry } {
  const lines = toml.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
  const header = /^\[([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\]$/.exec(lines[0] ?? "");
  if (header?.[1] === undefined) throw new Error(`expected a [table] header first, found: ${lines[0]}`);
  const values = new Map<string, unknown>();
  for (const line of lines.slice(1)) {
    const pair = new RegExp(`^(${BARE_KEY}) = (.+)$`).exec(line);
    const [key, value] = [pair?.[1], pair?.[2]];
    if (key === undefined || value === undefined || values.has(key)) throw new Error(`unexpected line: ${line}`);
    if (new RegExp(`^${BASIC_STRING}$`).test(value)) {
      values.set(key, JSON.parse(value));
    } else if (new RegExp(`^\\[${BASIC_STRING}(?:, ${BASIC_STRING})*\\]$`).test(value)) {
      values.set(key, JSON.parse(value));
    } else if (new RegExp(`^\\{ ${BARE_KEY} = ${BASIC_STRING}(?:, ${BARE_KEY} = ${BASIC_STRING})* \\}$`).test(value)) {
      const table: Record<string, string> = {};
      for (const [, name, text] of value.matchAll(new RegExp(`(${BARE_KEY}) = (${BASIC_STRING})`, "g"))) {
        table[name as string] = JSON.parse(text as string) as string;
      }
      values.set(key, table);
    } else {
      throw new Error(`unexpected value: ${line}`);
    }
  }
  expect([...values.keys()].sort()).toEqual(["args", "command", "env"]);
  return { table: header[1], entry: Object.fromEntries(values) as unknown as ServerEntry };
}

const hasTomllib = spawnSync("python3", ["-c", "import tomllib"], { stdio: "ignore" }).status === 0;

it("mcp.json.example starts a working server once its paths are filled in", async () => {
  await expectWorkingServer(await mcpJsonEntry(), "claude-desktop");
});

describe("codex-config.toml.example", () => {
  const file = join(repoRoot, "codex-config.toml.example");

  it("is mcp.json.example's server as a [mcp_servers.task-manager] table, and starts it", async () => {
    const { table, entry } = readCodexExample(await readFile(file, "utf8"));
    expect(table).toBe("mcp_servers.task-manager");
    expect(entry).toEqual(await mcpJsonEntry());
    await expectWorkingServer(entry, "codex-mcp-client");
  });

  it.skipIf(!requirement(hasTomllib, "python3 with tomllib (3.11 or later)"))("reads the same in a full TOML parser (Python's tomllib)", async () => {
    const parsed = spawnSync("python3", ["-c", "import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))", file], { encoding: "utf8" });
    expect(parsed.status, parsed.stderr).toBe(0);
    expect(JSON.parse(parsed.stdout)).toEqual({ mcp_servers: { "task-manager": readCodexExample(await readFile(file, "utf8")).entry } });
  });

  it("ships in the package", async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toEqual(expect.arrayContaining(["mcp.json.example", "codex-config.toml.example"]));
  });
});
