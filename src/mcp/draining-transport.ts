/**
 * A transport wrapper that knows which requests still await their response, so a
 * shutdown can let them finish: the write under way completes, its lock is released
 * and its answer is sent before the process exits. Counting at the transport (not in
 * the handlers) also covers the SDK's own work after a handler returns.
 */
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import { isJSONRPCErrorResponse, isJSONRPCNotification, isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage, type RequestId } from "@modelcontextprotocol/sdk/types.js";

export class DrainingTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: Transport["onmessage"];
  private readonly pending = new Set<RequestId>();
  private drained: Array<() => void> = [];

  constructor(private readonly inner: Transport) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message)) this.pending.add(message.id);
      // A cancelled request is never answered (the SDK drops its response), so it is not waited for.
      if (isJSONRPCNotification(message) && message.method === "notifications/cancelled") this.settle(message.params?.["requestId"] as RequestId);
      this.onmessage?.(message, extra);
    };
  }

  /** The inner transport's session (over HTTP); the SDK keys a client's log level by it. */
  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      await this.inner.send(message, options);
    } finally {
      if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined) this.settle(message.id);
    }
  }

  private settle(id: RequestId): void {
    this.pending.delete(id);
    if (this.pending.size === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Resolves once every request received so far has been answered. */
  idle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }
}
