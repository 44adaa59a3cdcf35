/**
 * Start the built server with `--http --port 0` as a child process, read the address
 * it took from its stderr, and connect the SDK's real Client to it over Streamable HTTP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { cliPath } from "./mcp-client.js";

export interface HttpServer {
  /** e.g. http://127.0.0.1:41234/mcp */
  url: URL;
  child: ChildProcess;
  stderr(): string;
  /** A client named `name` with a session of its own; `headers` go on every request. */
  connect(name: string, headers?: Record<string, string>): Promise<HttpClient>;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface HttpClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

const started: HttpServer[] = [];

/** Stops every server still running (SIGKILL: a test that wants a clean stop calls stop itself). */
export async function stopHttpServers(): Promise<void> {
  await Promise.all(started.splice(0).map((server) => (server.child.exitCode === null ? server.stop("SIGKILL") : undefined)));
}

export async function startHttpServer(stateDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<HttpServer> {
  const child = spawn(process.execPath, [cliPath, "--http", "--port", "0", "--state-dir", stateDir, ...args], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 15_000);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = /serving MCP at (\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(new URL(match[1] as string));
      }
    });
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
  });
  const server: HttpServer = {
    url,
    child,
    stderr: () => stderr,
    connect: async (name, headers = {}) => {
      const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
      const client = new Client({ name, version: "1.0.0" });
      await client.connect(transport);
      return {
        client,
        transport,
        call: async (tool, args = {}) => (await client.callTool({ name: tool, arguments: args })) as CallToolResult,
        close: () => client.close(),
      };
    },
    stop: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  started.push(server);
  return server;
}
