/**
 * Attacks on `--http` (adversarial review): what an attacker or an unlucky user sends that
 * the HTTP transport's promises (guard first, no raw errors, clean shutdown) must survive.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { TaskManager } from "../../src/index.js";
import { SessionEventStore } from "../../src/mcp/http/event-store.js";
import { acquireFileLock } from "../../src/store/json/file-lock.js";
import { startHttpServer, stopHttpServers } from "../helpers/http-server.js";
import { ok } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp-dir.js";

afterEach(stopHttpServers);

/** Sends raw bytes (a request line no client library would send) and resolves with the whole answer. */
function rawRequest(url: URL, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => (answer += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.end(text);
  });
}

const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

describe("--http under attack", () => {
  // Attack: a request for another path, with neither the token nor this server's Host (a
  // scanner, or a page through a rebound DNS name). The guard must answer it before anything
  // else: here it got 404 "MCP is served at /mcp", telling an unauthenticated stranger what
  // runs there and where.
  it("refuses a request for another path without the token or with a foreign Host before saying where MCP is", async () => {
    const server = await startHttpServer(await tempDir(), ["--token", "0123456789abcdef0123"]);
    const noToken = await rawRequest(server.url, `GET /anything HTTP/1.1\r\nHost: ${server.url.host}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(noToken)).toBe(401);
    expect(noToken).not.toContain("/mcp");
    const foreignHost = await rawRequest(server.url, `GET /anything HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer 0123456789abcdef0123\r\nConnection: close\r\n\r\n`);
    expect(statusOf(foreignHost)).toBe(403);
  });

  // Attack: a request target the URL parser rejects (`GET //`), sent by anyone, before any
  // check. It got 500 "Internal error" and a line "HTTP GET // failed: Invalid URL" on the
  // operator's stderr: a client's mistake reported as the server's failure, at will.
  it("answers an unparsable request target as the client's error, not with 500 and a stderr line", async () => {
    const server = await startHttpServer(await tempDir());
    const answer = await rawRequest(server.url, `GET // HTTP/1.1\r\nHost: ${server.url.host}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(answer)).toBeGreaterThanOrEqual(400);
    expect(statusOf(answer)).toBeLessThan(500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.stderr()).not.toContain("failed");
  });

  // Attack: an impatient operator (or a service manager) sends SIGTERM twice while a call is
  // still being answered (here create_task waits for the state file's lock, held by another
  // process for a second). The second signal must not kill the process mid-shutdown: it
  // still lets the call finish and exits 0. With `process.once`, the second SIGTERM met
  // Node's default handler and killed the server by signal, the call unanswered.
  it("exits 0 on a second SIGTERM during the shutdown, answering the call in flight", async () => {
    const stateDir = await tempDir();
    const stateFile = join(stateDir, "alpha.json");
    await new TaskManager({ stateFile }).createTask({ type: "t" });
    const server = await startHttpServer(stateDir);
    const client = await server.connect("writer");
    const lock = await acquireFileLock(stateFile, { timeoutMs: 5_000, staleMs: 10_000, updateMs: 1_000 });
    setTimeout(() => void lock.release(), 1_000);
    const creating = client.client.callTool({ name: "create_task", arguments: { workflow: "alpha", task_type: "t" } }, CallToolResultSchema);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the call waits for the lock
    const exited = server.stop("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    ok(await creating as never);
  });

  // Attack (an unlucky user): a client waiting in get_next_task goes away (crashes, times
  // out, loses the network) without sending notifications/cancelled. Its client speaks a
  // protocol before 2025-11-25, so it got no SSE event id and can never resume that stream:
  // the answer can reach nobody. The wait went on anyway, claimed the next task created and
  // sent it into the void, leaving the task held by nobody until its lease ran out (24 h by
  // default). Over stdio a client that goes away ends the process, and the wait with it.
  it("stops the wait of a client whose long-poll connection dropped and that cannot resume it, claiming nothing", async () => {
    const server = await startHttpServer(await tempDir());
    const creator = await server.connect("creator");
    const dropper = await server.connect("dropper");
    const post = request(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": dropper.transport.sessionId as string,
        "mcp-protocol-version": "2025-06-18",
      },
    });
    post.on("error", () => undefined);
    post.on("response", (response) => response.resume());
    post.end(JSON.stringify({ jsonrpc: "2.0", id: 99, method: "tools/call", params: { name: "get_next_task", arguments: { wait_seconds: 50 } } }));
    await new Promise((resolve) => setTimeout(resolve, 400)); // the call waits
    post.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { task } = ok<{ task: { id: string } }>(await creator.call("create_task", { task_type: "t" }));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ok<{ task: { status: string; locked_by?: string | null } }>(await creator.call("get_task", { task_id: task.id })).task).toMatchObject({ status: "pending" });
  });

  // Attack: a session whose messages are mostly non-ASCII text (task data in Chinese, emoji).
  // The event store promises at most 2 MiB per session but counted UTF-16 code units, not
  // bytes: two messages of a million "€" (3 bytes each in UTF-8) were both kept, 6 MB, three
  // times the bound, in each of up to 100 sessions.
  it("keeps at most 2 MiB of events per session, counted in bytes whatever the characters", async () => {
    const store = new SessionEventStore();
    const first = await store.storeEvent("s", { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "start" } });
    for (let i = 0; i < 2; i++) await store.storeEvent("s", { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "\u20ac".repeat(1_000_000) } });
    let bytes = 0;
    const last = await store.storeEvent("s", { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "end" } });
    // Replay from the oldest event still kept, whichever it is: everything after it must fit.
    const kept = [first, last];
    for (const from of kept) {
      bytes = 0;
      await store.replayEventsAfter(from, { send: (_id, message) => Promise.resolve(void (bytes += Buffer.byteLength(JSON.stringify(message)))) });
      expect(bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    }
  });

  // Attack (an unlucky user): `--host [::1]`, the bracketed form the docs show in Host
  // headers and that the loopback check accepts without a token. It was handed to listen()
  // brackets and all, a DNS lookup failed, and the server stopped with "cannot listen on
  // [::1] port 8765 (ENOTFOUND)".
  it("serves on --host [::1], the bracketed IPv6 loopback", async () => {
    const server = await startHttpServer(await tempDir(), ["--host", "[::1]"]);
    expect(server.url.hostname).toBe("[::1]");
    ok(await (await server.connect("six")).call("list_workflows", {}));
  });

  // Attack (ordinary load): more than ten agents waiting in get_next_task at once, as the
  // docs' own benchmark does with 50 sessions. Every wait listens to the server's one
  // shutdown signal, and past Node's default of ten listeners Node printed
  // "MaxListenersExceededWarning: Possible EventTarget memory leak detected" on stderr: a
  // false alarm in the operator's log, where only the server's warnings and errors belong.
  it("lets a dozen sessions wait at once without a listener-leak warning on stderr", async () => {
    const server = await startHttpServer(await tempDir());
    const clients = await Promise.all(Array.from({ length: 12 }, (_, i) => server.connect(`agent-${i}`)));
    const waits = clients.map((client) => client.call("get_next_task", { wait_seconds: 1 }));
    for (const wait of await Promise.all(waits)) expect(ok<{ task: unknown }>(wait).task).toBeNull();
    expect(server.stderr()).not.toContain("MaxListeners");
  });

  // Attack: one session opens a GET stream per event id it ever saw (`Last-Event-ID` of each
  // past POST's priming event). The SDK allows one standalone GET stream, but a replay stream
  // per stream id, and each stays open for good: here 30 of 30, and they keep the session
  // from ever going idle. Up to ~1,000 per session (the event store's size), 100 sessions:
  // sockets and file descriptors without bound. A session may hold 16 requests open at once;
  // the rest get 429.
  it("bounds the replay streams one session may hold open", async () => {
    const server = await startHttpServer(await tempDir());
    const version = "2025-11-25";
    const post = (body: unknown, session?: string): Promise<{ session: string; text: string }> =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
        if (session) Object.assign(headers, { "mcp-session-id": session, "mcp-protocol-version": version });
        const req = request(server.url, { method: "POST", headers }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ session: (res.headers["mcp-session-id"] as string | undefined) ?? session ?? "", text }));
        });
        req.on("error", reject);
        req.end(JSON.stringify(body));
      });
    const { session } = await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "x", version: "1" } } });
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session);
    const eventIds: string[] = [];
    for (let i = 0; i < 30; i++) eventIds.push(/id: (\S+)/.exec((await post({ jsonrpc: "2.0", id: 10 + i, method: "tools/list" }, session)).text)?.[1] as string);
    const streams = await Promise.all(
      eventIds.map(
        (lastEventId) =>
          new Promise<{ status: number; close: () => void }>((resolve) => {
            const req = request(server.url, { method: "GET", headers: { accept: "text/event-stream", "mcp-session-id": session, "mcp-protocol-version": version, "last-event-id": lastEventId } }, (res) => {
              res.resume();
              resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
            });
            req.on("error", () => resolve({ status: 0, close: () => undefined }));
            req.end();
          }),
      ),
    );
    for (const stream of streams) stream.close();
    expect(streams.filter((stream) => stream.status === 200).length).toBe(16);
    expect(streams.filter((stream) => stream.status === 429).length).toBe(14);
  });
});
