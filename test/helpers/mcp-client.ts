/**
 * Start the built MCP server (`node dist/cli.js`) as a child process and connect the
 * SDK's real Client to it over stdio. `npm test` builds first, so dist/ is current.
 */
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";
import { repoRoot } from "./paths.js";

export const cliPath = join(repoRoot, "dist", "cli.js");

export interface StartServerOptions {
  /** Passed as `--state-dir`; leave out to test the environment variable or the default. */
  stateDir?: string;
  /** The server's working directory (default: this process's). */
  cwd?: string;
  /** The client's name in `initialize`, which becomes the agent id (default "test-agent"). */
  clientName?: string;
  /** Extra environment for the server (only these and the SDK's safe defaults reach it). */
  env?: Record<string, string>;
  /** Extra command-line flags after `--state-dir DIR`. */
  args?: string[];
}

export interface RunningServer {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Calls a tool; arguments are passed as given, unchecked, so tests can send bad ones. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, ...(options.stateDir === undefined ? [] : ["--state-dir", options.stateDir]), ...(options.args ?? [])],
    env: options.env ?? {},
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const client = new Client({ name: options.clientName ?? "test-agent", version: "1.0.0" });
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: () => client.close(),
  };
}

/** The structured content of a successful tool result (fails the test on a refusal). */
export function ok<T = Record<string, unknown>>(result: CallToolResult): T {
  expect(result.isError, textOf(result)).toBeFalsy();
  expect(result.structuredContent).toBeDefined();
  return result.structuredContent as T;
}

/** Asserts a refusal with this code, and returns its message. */
export function refusal(result: CallToolResult, code: string): string {
  expect(result.isError, `expected ${code}, got a result: ${textOf(result)}`).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  const text = textOf(result);
  expect(text).toContain(code);
  return text;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === "text" ? part.text : `[${part.type}]`)).join("\n");
}
