/**
 * Collects events (file changes, MCP notifications) as they arrive and waits for
 * one that matches. The timeouts are generous bounds for a failing test, never a
 * measurement.
 */
export class EventLog<T> {
  readonly events: T[] = [];
  private waiters: Array<() => void> = [];

  /** Pass this as the listener or notification handler. */
  readonly push = (event: T): void => {
    this.events.push(event);
    for (const wake of this.waiters.splice(0)) wake();
  };

  /** The first event (from `from` on) that matches; rejects after `timeoutMs`. */
  async waitFor(matches: (event: T) => boolean, timeoutMs = 15_000, from = 0): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(matches);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** How many events have arrived so far: pass it as `from` to wait only for later ones. */
  get mark(): number {
    return this.events.length;
  }

  since(mark: number): T[] {
    return this.events.slice(mark);
  }
}
