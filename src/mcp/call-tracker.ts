/**
 * Counts the calls in flight, so that shutting down (stdin closed, SIGTERM) can let
 * the current call finish writing before the process exits.
 */
export class CallTracker {
  private readonly running = new Set<Promise<unknown>>();

  track<T>(call: Promise<T>): Promise<T> {
    this.running.add(call);
    const done = (): void => {
      this.running.delete(call);
    };
    call.then(done, done);
    return call;
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves once every call started so far has settled. */
  async settled(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running]);
    }
  }
}
