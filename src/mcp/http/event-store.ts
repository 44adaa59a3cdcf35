/**
 * The messages a session sent on its SSE streams, kept so that a client whose stream
 * broke can reconnect with `Last-Event-ID` and get what it missed. Memory only, and
 * bounded: a client that stays away longer than the last MAX_EVENTS messages misses
 * the oldest of them.
 */
import type { EventId, EventStore, StreamId } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

const MAX_EVENTS = 1_000;

interface StoredEvent {
  id: EventId;
  streamId: StreamId;
  message: JSONRPCMessage;
}

export class SessionEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private next = 0;

  storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const id = `${streamId}.${this.next++}`;
    this.events.push({ id, streamId, message });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
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
