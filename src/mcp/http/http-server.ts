/**
 * MCP over Streamable HTTP at `/mcp`, many clients to one process: each session (opened
 * by an `initialize` POST, ended by DELETE, by the idle timeout or by the shutdown) has
 * its own McpServer from createServer, hence its own client name and claims, over one
 * shared Workflows, so a change in one session wakes the waits and subscriptions of all.
 * Nothing starts on import; `McpHttpServer.start` listens.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createServer as createNodeServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isJSONRPCRequest, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { StoreNotice } from "../../core/store-notices.js";
import type { Workflows } from "../../workflows.js";
import { DrainingTransport } from "../draining-transport.js";
import { stderrLog } from "../log.js";
import { createServer, openWorkflows, type ServerOptions } from "../server.js";
import { createStderrLog, logStoreNotice } from "../server-log.js";
import { SessionEventStore } from "./event-store.js";
import { RequestGuard } from "./request-guard.js";

export const MCP_PATH = "/mcp";
export const DEFAULT_MAX_SESSIONS = 100;
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
/** Room for a task's data at its 1 MiB limit, JSON-escaped, and a batch of smaller ones. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface HttpServerOptions extends Omit<ServerOptions, "agentId" | "workflows" | "storeNotices" | "stopWaiting"> {
  /** The address to bind (e.g. 127.0.0.1); Host headers must name it. */
  host: string;
  /** 0 for any free port; `url` tells which was taken. */
  port: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Sessions open at once; an `initialize` beyond them gets 503 (default 100). */
  maxSessions?: number | undefined;
  /** A session with no request and no open stream for this long is closed (default 30 minutes). */
  idleTimeoutMs?: number | undefined;
  /** A larger request body gets 413 (default 4 MiB). */
  maxRequestBytes?: number | undefined;
}

/**
 * Requests and SSE streams one session may hold open at once. An agent has a few; without a
 * bound, one session could reopen a replay stream for every event id it ever saw and hold
 * sockets (and itself, never idle) without limit.
 */
const MAX_OPEN_REQUESTS_PER_SESSION = 16;

interface Session {
  id: string | undefined;
  transport: StreamableHTTPServerTransport;
  draining: DrainingTransport;
  server: McpServer;
  /** HTTP requests of this session not yet ended, SSE streams included. */
  openRequests: number;
  lastSeen: number;
}

/** The HTTP exchange whose body the SDK is reading, so a request it delivers knows its response. */
interface Exchange {
  /** The JSON-RPC requests it carried. */
  requests: RequestId[];
}

/** A protocol version from which the SDK's POST streams carry event ids (priming event). */
const RESUMABLE_PROTOCOL = "2025-11-25";

type NoticeListener = (notice: StoreNotice, workflow: string) => void;

export class McpHttpServer {
  private readonly sessions = new Map<string, Session>();
  /** Sessions created for an `initialize` not yet answered. */
  private opening = 0;
  private stopping: Promise<void> | null = null;
  private readonly stopWaiting = new AbortController();
  private readonly noticeListeners = new Set<NoticeListener>();
  private readonly workflows: Workflows;
  private readonly guard: RequestGuard;
  private readonly sweep: NodeJS.Timeout;
  private readonly exchange = new AsyncLocalStorage<Exchange>();

  private constructor(
    private readonly options: HttpServerOptions,
    private readonly http: Server,
  ) {
    // Every waiting get_next_task of every session listens to this one signal: no limit, so
    // Node does not take eleven waiting agents for a listener leak and warn on stderr.
    setMaxListeners(0, this.stopWaiting.signal);
    const stderrOnly = createStderrLog(options.log ?? stderrLog);
    this.workflows = openWorkflows(options, (notice, workflow) => {
      logStoreNotice(stderrOnly, notice, workflow);
      for (const listener of this.noticeListeners) listener(notice, workflow);
    });
    this.guard = new RequestGuard({ host: options.host, port: this.port, token: options.token });
    const idle = this.idleTimeoutMs;
    this.sweep = setInterval(() => this.closeIdleSessions(), Math.max(1_000, Math.min(idle / 4, 60_000))).unref();
    http.on("request", (request: IncomingMessage, response: ServerResponse) => void this.handle(request, response));
  }

  /** Listens on the host and port asked for; rejects when the address cannot be bound. */
  static async start(options: HttpServerOptions): Promise<McpHttpServer> {
    const http = createNodeServer();
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port, options.host, () => {
        http.off("error", reject);
        resolve();
      });
    });
    return new McpHttpServer(options, http);
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** Where clients connect, e.g. http://127.0.0.1:8765/mcp. */
  get url(): string {
    const host = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}${MCP_PATH}`;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Requests waiting for their answer, over all sessions. */
  get inFlight(): number {
    let count = 0;
    for (const session of this.sessions.values()) count += session.draining.inFlight;
    return count;
  }

  /**
   * Stops taking requests, lets those in flight be answered (waits for a task end at
   * once, answering null), closes every session and the workflows.
   */
  close(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.sweep);
    this.stopWaiting.abort();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const sessions = [...this.sessions.values()];
    await Promise.all(sessions.map((session) => session.draining.idle()));
    await Promise.all(sessions.map((session) => session.server.close().catch(() => undefined)));
    this.http.closeAllConnections();
    await closed;
    await this.workflows.close();
  }

  private get idleTimeoutMs(): number {
    return this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      // The guard first: a stranger learns nothing, not even where MCP is served.
      const refusal = this.guard.check(request);
      if (refusal) {
        if (refusal.status === 401) response.setHeader("WWW-Authenticate", "Bearer");
        return reply(response, refusal.status, refusal.message);
      }
      if (pathOf(request.url) !== MCP_PATH) return reply(response, 404, `Not found: MCP is served at ${MCP_PATH}.`);
      if (this.stopping) return reply(response, 503, "The server is shutting down.");
      const session = await this.sessionOf(request, response);
      if (!session) return;
      if (session.openRequests >= MAX_OPEN_REQUESTS_PER_SESSION) {
        return reply(response, 429, `Too many open requests in this session (${MAX_OPEN_REQUESTS_PER_SESSION}): close a stream or wait for an answer first.`);
      }
      session.openRequests++;
      session.lastSeen = Date.now();
      response.once("close", () => {
        session.openRequests--;
        session.lastSeen = Date.now();
      });
      try {
        const version = request.headers["mcp-protocol-version"];
        if (typeof version === "string" && version >= RESUMABLE_PROTOCOL) {
          await session.transport.handleRequest(request, response);
        } else {
          // This client got no SSE event ids and cannot resume a broken stream: should its POST
          // close before the answers, it will never get them. Its requests are then cancelled as
          // if it had said so, so a waiting get_next_task stops instead of claiming a task for
          // nobody (held until its lease ends).
          const exchange: Exchange = { requests: [] };
          response.once("close", () => {
            if (response.writableFinished) return;
            for (const requestId of exchange.requests) {
              session.transport.onmessage?.({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason: "the client's connection closed" } });
            }
          });
          await this.exchange.run(exchange, () => session.transport.handleRequest(request, response));
        }
      } finally {
        // A first POST that was not an `initialize` opened no session: nothing keeps it.
        if (session.id === undefined) await session.server.close().catch(() => undefined);
      }
    } catch (error) {
      (this.options.log ?? stderrLog)(`HTTP ${request.method ?? "?"} ${request.url ?? ""} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) reply(response, 500, "Internal error.");
      else response.destroy();
    }
  }

  /** The request's session, a new one for a POST without a session id, or undefined once answered with an error. */
  private async sessionOf(request: IncomingMessage, response: ServerResponse): Promise<Session | undefined> {
    const id = request.headers["mcp-session-id"];
    if (typeof id === "string") {
      const session = this.sessions.get(id);
      if (!session) reply(response, 404, "Session not found: it ended or the server restarted; initialize a new one.", -32001);
      return session;
    }
    if (request.method !== "POST") {
      reply(response, 400, "Bad request: the Mcp-Session-Id header is required; a session starts with an initialize POST.");
      return undefined;
    }
    const maxSessions = this.options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (this.sessions.size + this.opening >= maxSessions) {
      reply(response, 503, `Too many sessions (${maxSessions}): end one (DELETE) or try again later.`);
      return undefined;
    }
    return this.openSession();
  }

  private async openSession(): Promise<Session> {
    this.opening++;
    let opened = false;
    const settle = (): void => {
      if (opened) return;
      opened = true;
      this.opening--;
    };
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(),
      maxRequestBodySize: this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      onsessioninitialized: (id) => {
        settle();
        session.id = id;
        this.sessions.set(id, session);
      },
    });
    const draining = new DrainingTransport(transport);
    // Which exchange carried each request (see handle): the SDK delivers it within that exchange's async context.
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message)) this.exchange.getStore()?.requests.push(message.id);
      deliver?.(message, extra);
    };
    draining.onclose = () => {
      settle();
      if (session.id !== undefined) this.sessions.delete(session.id);
    };
    const server = createServer({
      ...this.options,
      agentId: undefined,
      workflows: this.workflows,
      storeNotices: (listener) => {
        this.noticeListeners.add(listener);
        return () => this.noticeListeners.delete(listener);
      },
      stopWaiting: this.stopWaiting.signal,
    });
    const session: Session = { id: undefined, transport, draining, server, openRequests: 0, lastSeen: Date.now() };
    await server.connect(draining);
    return session;
  }

  private closeIdleSessions(): void {
    const before = Date.now() - this.idleTimeoutMs;
    for (const session of this.sessions.values()) {
      if (session.openRequests === 0 && session.draining.inFlight === 0 && session.lastSeen < before) void session.server.close().catch(() => undefined);
    }
  }
}

/** The request target's path, or undefined when it is no URL (e.g. `//`): a client's mistake, answered 404. */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

/** A JSON-RPC error as the SDK's transport answers one, with no request id. */
function reply(response: ServerResponse, status: number, message: string, code = -32000): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}
