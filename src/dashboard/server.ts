/**
 * The dashboard's HTTP server (node:http, no framework): the page, its JSON reads and
 * the change stream. Read-only: it answers GET and HEAD and nothing else, so a page
 * (or another site in the same browser) cannot change a workflow through it.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isTaskManagerError } from "../core/errors.js";
import type { Workflows } from "../workflows.js";
import { ChangeFeed } from "./change-feed.js";
import { workflowSnapshot, workflowsSnapshot, WorkflowMissingError } from "./snapshots.js";
import { staticFile } from "./static-files.js";

export interface DashboardOptions {
  workflows: Workflows;
  /** The task timeout in ms: when a claim made without a lease (by the seed) runs out. */
  staleAfterMs: number;
  /**
   * Host names the page may be reached by (the Host header). Only these are answered, so
   * a web page elsewhere cannot read the dashboard by pointing its own name at 127.0.0.1
   * (DNS rebinding). Null answers any name, for a dashboard served on another interface.
   */
  allowedHosts: readonly string[] | null;
  /** Where the page's files are (default: the package's dashboard/ folder). */
  assetsDir?: string | undefined;
}

export interface Dashboard {
  server: Server;
  feed: ChangeFeed;
  /** Stops watching, ends the event streams and closes the server. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

export function createDashboard(options: DashboardOptions): Dashboard {
  const feed = new ChangeFeed(options.workflows);
  const server = createHttpServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    handle(options, feed, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { code: "INTERNAL", message: (error as Error).message } });
      else response.end();
    });
  });
  return {
    server,
    feed,
    close: () =>
      new Promise((resolve) => {
        feed.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(options: DashboardOptions, feed: ChangeFeed, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!hostAllowed(request.headers.host, options.allowedHosts)) {
    return sendJson(response, 403, { error: { code: "FORBIDDEN_HOST", message: "This dashboard answers only to the address it printed." } });
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("Allow", "GET, HEAD");
    return sendJson(response, 405, { error: { code: "READ_ONLY", message: "The dashboard is read-only; change tasks with the command line." } });
  }
  const url = new URL(request.url ?? "/", "http://dashboard.invalid");
  const path = url.pathname;

  if (path === "/api/events") return feed.attach(request, response);
  if (path === "/api/workflows") return sendJson(response, 200, await workflowsSnapshot(options.workflows));
  const match = /^\/api\/workflows\/([^/]+)$/.exec(path);
  if (match) {
    let name: string;
    try {
      name = decodeURIComponent(match[1] ?? "");
    } catch {
      return sendJson(response, 400, { error: { code: "INVALID_INPUT", message: "Malformed workflow name." } });
    }
    try {
      return sendJson(response, 200, await workflowSnapshot(options.workflows, name, options.staleAfterMs));
    } catch (error) {
      if (error instanceof WorkflowMissingError) return sendJson(response, 404, { error: { code: "WORKFLOW_NOT_FOUND", message: error.message } });
      if (isTaskManagerError(error)) return sendJson(response, statusOf(error.code), { error: { code: error.code, message: error.message } });
      throw error;
    }
  }
  const file = await staticFile(path, options.assetsDir);
  if (!file) return sendJson(response, 404, { error: { code: "NOT_FOUND", message: `Nothing at ${path}.` } });
  response.writeHead(200, { "Content-Type": file.type, "Content-Length": file.body.length, "Cache-Control": "no-cache" });
  response.end(request.method === "HEAD" ? undefined : file.body);
}

function statusOf(code: string): number {
  if (code === "INVALID_INPUT") return 400;
  if (code === "LOCK_TIMEOUT" || code === "LOCK_COMPROMISED") return 503;
  return 500; // STATE_FILE_CORRUPT: the page shows the message
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), "utf8");
  response.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": body.length, "Cache-Control": "no-store" });
  response.end(response.req.method === "HEAD" ? undefined : body);
}

/** The Host header's name (without the port) is one of the allowed names. */
function hostAllowed(host: string | undefined, allowed: readonly string[] | null): boolean {
  if (allowed === null) return true;
  if (host === undefined) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
  return allowed.includes(name.toLowerCase());
}
