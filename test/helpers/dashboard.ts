/**
 * Starting the built bin's `dashboard` on a free port and reading its event stream,
 * for the dashboard's HTTP and browser tests.
 */
import { startCli, type LongRunning } from "./cli.js";

export interface RunningDashboard {
  process: LongRunning;
  /** e.g. http://127.0.0.1:40123 (no trailing slash) */
  origin: string;
  port: number;
}

export async function startDashboard(stateDir: string, args: readonly string[] = []): Promise<RunningDashboard> {
  const process = startCli(stateDir, ["dashboard", "--port", "0", ...args]);
  const out = await process.waitForStdout((text) => /http:\/\/\S+:\d+\//.test(text), "the dashboard's address");
  const match = /(http:\/\/\S+):(\d+)\//.exec(out);
  if (!match?.[1] || !match[2]) throw new Error(`no address in ${out}`);
  return { process, origin: `${match[1]}:${match[2]}`, port: Number(match[2]) };
}

export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Reads a text/event-stream response event by event. */
export class EventReader {
  private buffer = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** The next event that is not a comment, e.g. a keepalive. */
  async next(): Promise<ServerSentEvent> {
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event: ServerSentEvent = { event: "message", data: "" };
        let sawField = false;
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          sawField = true;
          const [field, ...rest] = line.split(":");
          const value = rest.join(":").replace(/^ /, "");
          if (field === "event") event.event = value;
          else if (field === "data") event.data += value;
        }
        if (sawField && (event.data !== "" || event.event !== "message")) return event;
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) throw new Error("the event stream ended");
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next event named `name`, skipping others. */
  async nextNamed(name: string): Promise<ServerSentEvent> {
    for (;;) {
      const event = await this.next();
      if (event.event === name) return event;
    }
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}
