/**
 * Requests of the same kind that a process makes while the database is busy with the
 * previous ones go to it together, as one statement.
 *
 * Every statement costs a round trip (a socket write and a wake-up on each side), the
 * executor's start-up, and with durable commits a wait for the disk; for the hot path's
 * one-row statements those costs are most of the work. So claims asked for at the same
 * moment by the agents of one process are made by one claim statement of several rows,
 * and their completions by one update of several rows (see postgres-store.ts): the
 * PostgreSQL counterpart of the SQLite store's shared transaction (sqlite/shared-transaction.ts). A request that finds the
 * database idle is sent at once, alone, so batching adds no wait; requests only gather
 * while `maxInFlight` batches are already under way.
 *
 * Each request's outcome is its own (the batch function answers per request), and a
 * batch is one statement, so it is applied whole or not at all.
 */

interface Waiting<R, T> {
  request: R;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export class SharedStatement<R, T> {
  /** Requests waiting for a batch, by group key, in the order they came. */
  private readonly queues = new Map<string, Waiting<R, T>[]>();
  private inFlight = 0;

  constructor(
    /** Answers a batch of requests of one group, one result per request, in order. */
    private readonly run: (requests: R[]) => Promise<T[]>,
    private readonly options: { maxInFlight: number; maxBatch: number },
  ) {}

  /** Runs `request` in the next batch of its group (requests of different groups never share one). */
  submit(group: string, request: R): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let queue = this.queues.get(group);
      if (!queue) {
        queue = [];
        this.queues.set(group, queue);
      }
      queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight) {
      // The group whose first request has waited longest: Map keeps insertion order, and an emptied group is removed.
      const next = this.queues.entries().next();
      if (next.done) return;
      const [group, queue] = next.value;
      const batch = queue.splice(0, this.options.maxBatch);
      if (queue.length === 0) this.queues.delete(group);
      else {
        // Behind the other groups now: it has just been served.
        this.queues.delete(group);
        this.queues.set(group, queue);
      }
      this.inFlight += 1;
      this.send(batch);
    }
  }

  private send(batch: Waiting<R, T>[]): void {
    let results: Promise<T[]>;
    try {
      results = this.run(batch.map((waiting) => waiting.request));
    } catch (error) {
      results = Promise.reject(error);
    }
    results
      .then(
        (values) => batch.forEach((waiting, index) => waiting.resolve(values[index] as T)),
        (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
      )
      .finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
  }
}
