/**
 * The messages a session sent on its SSE streams, kept so that a client whose stream
 * broke can reconnect with `Last-Event-ID` and get what it missed. Memory only, and
 * bounded: the last MAX_EVENTS messages, at most MAX_BYTES of them; a client that
 * stays away longer misses the oldest and must initialize anew.
 */
import type { EventId, EventStore, StreamId } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

const MAX_EVENTS = 1_000;
const MAX_BYTES = 2 * 1024 * 1024;

interface StoredEvent {
  id: EventId;
  streamId: StreamId;
  message: JSONRPCMessage;
  bytes: number;
}

export class SessionEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private next = 0;
  private bytes = 0;

  storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const id = `${streamId}.${this.next++}`;
    const bytes = Buffer.byteLength(JSON.stringify(message), "utf8");
    this.events.push({ id, streamId, message, bytes });
    this.bytes += bytes;
    while (this.events.length > MAX_EVENTS || this.bytes > MAX_BYTES) this.bytes -= (this.events.shift() as StoredEvent).bytes;
    return Promise.resolve(id);
  }

  getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return Promise.resolve(this.events.find((event) => event.id === eventId)?.streamId);
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const at = this.events.findIndex((event) => event.id === lastEventId);
    if (at < 0) return "";
    const { streamId } = this.events[at] as StoredEvent;
    for (const event of this.events.slice(at + 1)) if (event.streamId === streamId) await send(event.id, event.message);
    return streamId;
  }
}
