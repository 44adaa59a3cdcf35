/**
 * One shared transaction (a group commit): the changes a process asks for while the database is busy are
 * applied together in one transaction, so they share one fsync.
 *
 * With synchronous=FULL every commit waits for the disk (about 4 ms on the machine
 * the figures in docs/performance.md come from); one transaction per operation would cap a
 * process at a few hundred operations a second however many agents it serves. Each
 * operation still runs alone in its own SAVEPOINT, in the order they were asked for:
 * a refused operation rolls back only itself, and each sees the ones before it. No
 * operation's promise settles before the transaction holding it has committed, so a
 * result that returned is on disk, as with one transaction each.
 */
import type { Database } from "./driver-types.js";

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Outcome {
  pending: Pending;
  ok: boolean;
  value: unknown;
}

/** A bound on one transaction, so a flood of calls still commits (and answers) in steps. */
const MAX_GROUP = 256;

export class SharedTransaction {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly connect: () => Database,
    /** Starts the transaction: BEGIN IMMEDIATE, with the busy error turned into LOCK_TIMEOUT. */
    private readonly begin: (db: Database) => void,
    /** Called after each commit (for change notification). */
    private readonly committed: () => void,
  ) {}

  /** Runs `operation` inside the next transaction; resolves with its value once that has committed. */
  run<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: operation, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the callers' other pending work gets to add to the group first.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.queue.splice(0, MAX_GROUP);
    if (this.queue.length > 0) this.schedule();
    if (group.length === 0) return;
    let db: Database;
    try {
      db = this.connect();
      this.begin(db);
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    const outcomes = group.length === 1 ? this.runAlone(db, group[0] as Pending) : this.runEach(db, group);
    if (outcomes === null) return;
    try {
      db.exec("COMMIT");
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      for (const pending of group) pending.reject(error);
      return;
    }
    this.committed();
    for (const { pending, ok, value } of outcomes) {
      if (ok) pending.resolve(value);
      else pending.reject(value);
    }
  }

  /** One operation: its transaction is its savepoint. Null when it failed and was rolled back. */
  private runAlone(db: Database, pending: Pending): Outcome[] | null {
    try {
      return [{ pending, ok: true, value: pending.run() }];
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      pending.reject(error);
      return null;
    }
  }

  private runEach(db: Database, group: Pending[]): Outcome[] | null {
    const outcomes: Outcome[] = [];
    for (const [index, pending] of group.entries()) {
      db.exec("SAVEPOINT operation");
      try {
        const value = pending.run();
        db.exec("RELEASE operation");
        outcomes.push({ pending, ok: true, value });
      } catch (error) {
        if (!db.inTransaction) {
          // SQLite rolled the whole transaction back (a full disk, an I/O error): nothing of the group stands.
          for (const other of group.slice(index)) other.reject(error);
          for (const done of outcomes) done.pending.reject(error);
          return null;
        }
        db.exec("ROLLBACK TO operation");
        db.exec("RELEASE operation");
        outcomes.push({ pending, ok: false, value: error });
      }
    }
    return outcomes;
  }
}
