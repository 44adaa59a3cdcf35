/**
 * mcp.json.example is what users copy into Claude Desktop, Claude Code or Cursor:
 * with its placeholder paths filled in, a client started from it works.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { expect, it } from "vitest";
import { repoRoot } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-dir.js";

interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

it("mcp.json.example starts a working server once its paths are filled in", async () => {
  const config = JSON.parse(await readFile(join(repoRoot, "mcp.json.example"), "utf8")) as { mcpServers: Record<string, ServerEntry> };
  const entry = config.mcpServers["task-manager"] as ServerEntry;
  const stateDir = join(await tempDir(), ".task-manager");
  const args = entry.args.map((arg) =>
    arg.replace("/absolute/path/to/task-manager-mcp", repoRoot.replace(/\/$/, "")).replace("/absolute/path/to/your/project/.task-manager", stateDir),
  );
  expect(args.join(" ")).not.toContain("/absolute/path");
  const command = entry.command === "node" ? process.execPath : entry.command;

  const client = new Client({ name: "claude-desktop", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command, args, env: entry.env, stderr: "ignore" }));
  try {
    const created = await client.callTool({ name: "create_task", arguments: { task_type: "from-config" } });
    expect(created.isError).toBeFalsy();
    const claimed = await client.callTool({ name: "get_next_task", arguments: {} });
    expect(claimed.structuredContent).toMatchObject({ task: { type: "from-config", locked_by: "claude-desktop" } });
    expect(await readFile(join(stateDir, "default.json"), "utf8")).toContain("from-config");
  } finally {
    await client.close();
  }
});
