/**
 * The built server spoken to in raw JSON-RPC lines over stdio: for requests the SDK's
 * client cannot send, such as arguments nested 100,000 deep, which its JSON.stringify
 * would overflow on. Only what those tests need: initialize, then tools/call.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { cliPath } from "./mcp-client.js";

export interface RawServer {
  /** Calls a tool with `argumentsJson`, the arguments object as JSON text, sent as it is. */
  callRaw(name: string, argumentsJson: string): Promise<CallToolResult>;
  stderr(): string;
  close(): Promise<void>;
}

export async function startRawServer(stateDir: string, args: readonly string[] = []): Promise<RawServer> {
  const child: ChildProcess = spawn(process.execPath, [cliPath, "--state-dir", stateDir, ...args], { env: {}, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const waiting = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();
  let buffered = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const message = JSON.parse(buffered.slice(0, end)) as { id?: number; result?: unknown; error?: { message: string } };
      buffered = buffered.slice(end + 1);
      if (typeof message.id === "number") waiting.get(message.id)?.(message);
    }
  });
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  let lastId = 0;
  const request = (method: string, paramsJson: string) =>
    new Promise<{ result?: unknown; error?: { message: string } }>((resolve, reject) => {
      const id = ++lastId;
      waiting.set(id, resolve);
      void closed.then(() => reject(new Error(`the server exited before answering ${method}; stderr: ${stderr}`)));
      child.stdin?.write(`{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${paramsJson}}\n`);
    });
  await request("initialize", JSON.stringify({ protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw-agent", version: "1.0.0" } }));
  child.stdin?.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  return {
    async callRaw(name, argumentsJson) {
      const answer = await request("tools/call", `{"name":${JSON.stringify(name)},"arguments":${argumentsJson}}`);
      if (answer.error) throw new Error(`tools/call ${name} failed at the protocol level: ${answer.error.message}`);
      return answer.result as CallToolResult;
    },
    stderr: () => stderr,
    async close() {
      child.stdin?.end();
      await closed;
    },
  };
}
