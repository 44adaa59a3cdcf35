/**
 * LISTEN on the schema's channel over a connection of its own, while anyone in this
 * process listens: every commit that changes a workflow's rows, by any process on any
 * machine, arrives as a NOTIFY carrying the workflow's id (see notify_change in
 * migrations.ts). Nothing polls.
 *
 * A notification sent while this connection is down is lost, so whenever LISTEN is
 * (re)established every listener is called once: it looks again, as it would after a
 * change. A dropped connection is re-opened after a short pause, for as long as anyone
 * listens. And every SAFETY_RECHECK_MS, listeners are called anyway: a process that
 * died between committing a change and announcing it (database.ts) delays a waiter by
 * that much at worst, instead of leaving it asleep.
 */
import type pg from "pg";
import { Subscribers } from "../subscribers.js";
import { loadPg } from "./load-pg.js";
import { channelOf } from "./migrations.js";

/** `wf`: the id of the workflow that changed; null: anything may have changed. */
export type WorkflowChangeListener = (wf: number | null) => void;

const RECONNECT_DELAY_MS = 500;
export const SAFETY_RECHECK_MS = 10_000;

export class ChangeListener {
  private readonly listeners = new Subscribers<number | null>({
    first: () => {
      this.connect();
      this.safety = setInterval(() => this.emit(null), SAFETY_RECHECK_MS);
      this.safety.unref();
    },
    last: () => this.disconnect(),
  });
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private safety: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly schema: string,
    /** As the pool's connections are named (see applicationNameOf); its query, LISTEN, tells it apart. */
    private readonly applicationName: string | undefined,
  ) {}

  /** Adds a listener; returns the function that removes it. The connection is open while anyone listens. */
  subscribe(listener: WorkflowChangeListener): () => void {
    return this.listeners.add(listener);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.disconnect();
  }

  private connect(): void {
    if (this.closed || this.client || this.listeners.size === 0) return;
    const client = new (loadPg().Client)({ connectionString: this.url, connectionTimeoutMillis: 10_000, application_name: this.applicationName });
    this.client = client;
    const lost = (): void => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => {});
      if (this.listeners.size > 0 && !this.closed) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.connect();
        }, RECONNECT_DELAY_MS);
        this.timer.unref();
      }
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (message) => {
      const wf = Number(message.payload);
      this.emit(Number.isSafeInteger(wf) ? wf : null);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN "${channelOf(this.schema)}"`))
      .then(() => {
        if (this.client !== client) return;
        // Let go of the event loop: a process that only listens may still exit.
        (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        this.emit(null);
      })
      .catch(lost);
  }

  private disconnect(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.safety) clearInterval(this.safety);
    this.safety = null;
    const client = this.client;
    this.client = null;
    client?.end().catch(() => {});
  }

  private emit(wf: number | null): void {
    this.listeners.emit(wf);
  }
}
