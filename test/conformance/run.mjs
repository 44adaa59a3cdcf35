/**
 * `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance)
 * against `task-manager-mcp --http`. The suite needs Node 22, so this folder installs it and the
 * registry's `node@22` package on first use; our server runs on the Node running this script.
 * Scenarios that need the suite's own fixture tools, prompts or resources are listed as not
 * applicable, with why; every other one must pass, or this exits 1.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const suite = join(here, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
const node22 = join(here, "node_modules", "node", "bin", "node");

const APPLICABLE = [
  "server-initialize",
  "ping",
  "logging-set-level",
  "tools-list",
  "resources-list",
  "prompts-list",
  "dns-rebinding-protection",
  "server-sse-multiple-streams",
];
const FIXTURE = "calls the suite's own fixture";
const NOT_APPLICABLE = {
  "completion-complete": `${FIXTURE} prompt test_prompt_with_arguments`,
  "json-schema-2020-12": `${FIXTURE} tool json_schema_2020_12_tool`,
  "server-sse-polling": `${FIXTURE} tool test_reconnection`,
  "resources-subscribe": `subscribes to the fixture resource test://watched-resource, not one of ours`,
  "resources-unsubscribe": `unsubscribes from the fixture resource test://watched-resource`,
  "resources-templates-read": `${FIXTURE} resource test://template/{id}/data`,
  "resources-read-text": `${FIXTURE} resource test://static-text`,
  "resources-read-binary": `${FIXTURE} resource test://static-binary`,
  "prompts-get-simple": `${FIXTURE} prompt test_simple_prompt`,
  "prompts-get-with-args": `${FIXTURE} prompt test_prompt_with_arguments`,
  "prompts-get-embedded-resource": `${FIXTURE} prompt test_prompt_with_embedded_resource`,
  "prompts-get-with-image": `${FIXTURE} prompt test_prompt_with_image`,
  "tools-call-*, elicitation-*": `${FIXTURE} tools (test_simple_text, test_sampling, …)`,
};

if (!existsSync(suite) || !existsSync(node22)) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const installed = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--foreground-scripts"], { cwd: here, stdio: "inherit" });
  if (installed.status !== 0) throw new Error("npm install in test/conformance failed");
}
if (!existsSync(join(root, "dist", "cli.js"))) throw new Error("the repository is not built: npm run build first (npm run conformance does)");

const stateDir = mkdtempSync(join(tmpdir(), "tm-conformance-"));
const server = spawn(process.execPath, [join(root, "dist", "cli.js"), "--http", "--port", "0", "--state-dir", stateDir], { stdio: ["ignore", "ignore", "pipe"] });
const url = await new Promise((resolve, reject) => {
  let stderr = "";
  server.stderr.setEncoding("utf8").on("data", (chunk) => {
    stderr += chunk;
    const found = /serving MCP at (http:\/\/\S+)/.exec(stderr);
    if (found) resolve(found[1]);
  });
  server.on("exit", (code) => reject(new Error(`the server exited (${code}) before serving: ${stderr.trim()}`)));
});

const results = [];
for (const scenario of APPLICABLE) {
  const run = spawnSync(node22, [suite, "server", "--url", url, "--scenario", scenario], { encoding: "utf8", timeout: 120_000 });
  const summary = /Passed: \d+\/\d+, \d+ failed, \d+ warnings/.exec(run.stdout ?? "")?.[0] ?? "no summary";
  results.push({ scenario, passed: run.status === 0, summary });
  if (run.status !== 0) process.stdout.write(`${run.stdout}\n${run.stderr}\n`);
}
server.kill("SIGTERM");
await new Promise((resolve) => server.on("exit", resolve));
rmSync(stateDir, { recursive: true, force: true });

const version = spawnSync(node22, [suite, "--version"], { encoding: "utf8" }).stdout.trim();
console.log(`\nMCP conformance suite ${version} against task-manager-mcp --http (${url})\n`);
console.log("| scenario | result |\n| --- | --- |");
for (const { scenario, passed, summary } of results) console.log(`| ${scenario} | ${passed ? "passed" : "**failed**"} (${summary}) |`);
for (const [scenario, why] of Object.entries(NOT_APPLICABLE)) console.log(`| ${scenario} | not applicable: ${why} |`);
process.exitCode = results.every((result) => result.passed) ? 0 : 1;
