#!/usr/bin/env node
/** The bin entry. The MCP stdio server arrives with its own issue; until then it prints usage. */
import { createRequire } from "node:module";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

const usage = `task-manager-mcp ${version}
A task queue that many AI agents share safely.

Usage:
  task-manager-mcp --help      show this help
  task-manager-mcp --version   print the version

The library: import { TaskManager, Workflows } from "task-manager-mcp".
`;

const args = process.argv.slice(2);
if (args.includes("--version")) {
  process.stdout.write(`${version}\n`);
} else {
  process.stdout.write(usage);
}
