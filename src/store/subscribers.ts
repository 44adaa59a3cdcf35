/**
 * The listeners of a change feed: what a store's watcher runs exists only while someone
 * listens, so the first subscriber starts it and the last one leaving stops it. A
 * listener that throws does not keep the others from hearing of the change.
 */
export class Subscribers<Change> {
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(private readonly hooks: { first: () => void; last: () => void }) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.hooks.first();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.hooks.last();
    };
  }

  emit(change: Change): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // the listener's own failure: the others still hear of the change
      }
    }
  }

  /** Drops every listener without calling `last`: the feed is closing. */
  clear(): void {
    this.listeners.clear();
  }
}
