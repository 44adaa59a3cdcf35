/**
 * Live resources, across processes. A client that subscribes to `workflow://{workflow}`
 * or a task's URI gets `notifications/resources/updated` soon after any process
 * changes it (another server, the library, a script); every client gets
 * `notifications/resources/list_changed` when a workflow file appears or goes. One
 * watch of the state directory per session serves both: it starts when the client has
 * initialized and stops when the connection closes.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { isWorkflowName } from "../core/workflow-name.js";
import type { WorkflowChange } from "../workflows.js";
import type { ServerContext } from "./context.js";

/** At most one notification per resource in this interval: a busy queue is written hundreds of times a second. */
export const MIN_NOTIFY_INTERVAL_MS = 100;

const RESOURCE_URI = /^workflow:\/\/([^/?#]+)(?:\/tasks\/([^/?#]+))?$/;
const LIST_KEY = "\u0000list";

interface Subscription {
  uri: string;
  workflow: string;
  /** Set for a task's URI: only changes to that task are notified. */
  taskId: string | undefined;
  /** The task's JSON as last notified, to tell its changes from its neighbours'. */
  lastTask?: string;
}

export function registerSubscriptions(server: McpServer, context: ServerContext): void {
  const live = new LiveResources(server, context);
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    await live.subscribe(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    live.unsubscribe(request.params.uri);
    return {};
  });
  const { oninitialized, onclose } = server.server;
  server.server.oninitialized = () => {
    oninitialized?.();
    live.start();
  };
  server.server.onclose = () => {
    onclose?.();
    live.stop();
  };
}

class LiveResources {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly throttle = new Throttle(MIN_NOTIFY_INTERVAL_MS);
  private stopWatching: (() => void) | null = null;

  constructor(
    private readonly server: McpServer,
    private readonly context: ServerContext,
  ) {}

  start(): void {
    this.stopWatching ??= this.context.workflows.watch((change) => this.onChange(change));
  }

  stop(): void {
    this.stopWatching?.();
    this.stopWatching = null;
    this.throttle.clear();
    this.subscriptions.clear();
  }

  async subscribe(uri: string): Promise<void> {
    const match = RESOURCE_URI.exec(uri);
    const workflow = match?.[1];
    const taskId = match?.[2] === undefined ? undefined : safeDecode(match[2]);
    if (!match || workflow === undefined || !isWorkflowName(workflow) || taskId === null) {
      throw new McpError(ErrorCode.InvalidParams, `Cannot subscribe to "${uri}": use workflow://{workflow} or workflow://{workflow}/tasks/{task_id}.`);
    }
    // A workflow that does not exist yet may be subscribed to: its creation is an update.
    this.start();
    const subscription: Subscription = { uri, workflow, taskId };
    this.subscriptions.set(uri, subscription);
    if (taskId !== undefined) subscription.lastTask = await this.readTask(subscription);
  }

  unsubscribe(uri: string): void {
    this.subscriptions.delete(uri);
    this.throttle.cancel(uri);
  }

  private onChange(change: WorkflowChange): void {
    if (change.kind !== "changed") this.throttle.run(LIST_KEY, () => this.send(this.server.server.sendResourceListChanged()));
    for (const subscription of this.subscriptions.values()) {
      if (subscription.workflow === change.workflow) this.throttle.run(subscription.uri, () => this.notify(subscription));
    }
  }

  private async notify(subscription: Subscription): Promise<void> {
    if (subscription.taskId !== undefined) {
      const task = await this.readTask(subscription);
      if (task === subscription.lastTask) return; // another task of the workflow changed
      subscription.lastTask = task;
    }
    if (this.subscriptions.get(subscription.uri) !== subscription) return; // unsubscribed meanwhile
    this.send(this.server.server.sendResourceUpdated({ uri: subscription.uri }));
  }

  /** The task as JSON, or what keeps it from being read (no such task, a corrupt file). */
  private async readTask(subscription: Subscription): Promise<string> {
    try {
      const task = await this.context.workflows.get(subscription.workflow).getTask(subscription.taskId ?? "");
      return JSON.stringify(task);
    } catch (error) {
      return `unreadable: ${(error as { code?: string }).code ?? String(error)}`;
    }
  }

  private send(notification: Promise<void>): void {
    notification.catch(() => undefined); // the client went away: onclose stops the rest
  }
}

/**
 * Sends at once if nothing was sent for `key` within the interval, else once at the
 * interval's end; each send looks at the state as it is then, so none is lost.
 */
class Throttle {
  private readonly lastSent = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly intervalMs: number) {}

  run(key: string, send: () => void | Promise<void>): void {
    if (this.timers.has(key)) return;
    const fire = (): void => {
      this.timers.delete(key);
      this.lastSent.set(key, Date.now());
      void Promise.resolve(send()).catch(() => undefined);
    };
    const wait = (this.lastSent.get(key) ?? Number.NEGATIVE_INFINITY) + this.intervalMs - Date.now();
    if (wait <= 0) fire();
    else this.timers.set(key, setTimeout(fire, wait));
  }

  cancel(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.lastSent.delete(key);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.lastSent.clear();
  }
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
