/**
 * Server-sent events for the dashboard: one `change` event naming the workflows that
 * changed, from the same watch of the workflows the MCP server uses (Workflows.watch), so a
 * change by any process reaches every open page. Changes are gathered for a moment and
 * sent together, so a busy queue costs a page a few fetches a second, not one per write.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Workflows } from "../workflows.js";

const GATHER_MS = 150;
/** A comment line now and then keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export class ChangeFeed {
  private readonly clients = new Set<ServerResponse>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly keepalive: NodeJS.Timeout;
  private readonly unwatch: () => void;

  constructor(workflows: Workflows) {
    this.unwatch = workflows.watch((change) => {
      this.pending.add(change.workflow);
      this.timer ??= setTimeout(() => this.flush(), GATHER_MS);
    });
    this.keepalive = setInterval(() => this.broadcast(": keepalive\n\n"), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Takes over the response as an event stream until the page goes away. */
  attach(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
    });
    // After a dropped connection the browser reconnects by itself; it should try again soon.
    response.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ now: new Date().toISOString() })}\n\n`);
    this.clients.add(response);
    request.on("close", () => this.clients.delete(response));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  close(): void {
    this.unwatch();
    clearInterval(this.keepalive);
    if (this.timer) clearTimeout(this.timer);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private flush(): void {
    this.timer = null;
    const workflows = [...this.pending].sort();
    this.pending = new Set();
    this.broadcast(`event: change\ndata: ${JSON.stringify({ workflows })}\n\n`);
  }

  private broadcast(text: string): void {
    for (const client of this.clients) client.write(text);
  }
}
