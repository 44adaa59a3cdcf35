/**
 * One SQLite database file holding every workflow of a state directory, shared by
 * all the workflows a process opens: one connection, one shared transaction, one change
 * watcher. The file is created (with its directory) by the first change, never by
 * a read: reading a state directory without a database finds no workflows.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Database } from "./driver-types.js";
import { LockTimeoutError, StateFileCorruptError } from "../../core/errors.js";
import { SqliteChangeWatcher } from "./change-watcher.js";
import { loadBetterSqlite3 } from "./load-better-sqlite3.js";
import { SharedTransaction } from "./shared-transaction.js";
import { SCHEMA, SCHEMA_VERSION, UPGRADES } from "./schema.js";
import { Statements } from "./statements.js";

/**
 * FULL (the default): a change that returned survives a power cut. NORMAL: it survives
 * the process crashing, but the last commits before a power cut or OS crash may be lost;
 * commits do not wait for the disk, which makes single-agent writers several times faster.
 */
export type SqliteSynchronous = "full" | "normal";

export interface SqliteDatabaseOptions {
  /** How long a change waits for another process's transaction before LOCK_TIMEOUT. */
  busyTimeoutMs: number;
  synchronous: SqliteSynchronous;
}

/** The database file in a state directory. */
export const SQLITE_FILE_NAME = "tasks.sqlite";

/** Pages kept in memory per connection (negative: KiB): enough for the indexes' upper levels at a million tasks. */
const CACHE_KIB = 32 * 1024;
/** After a big import the WAL is cut back to this once checkpointed, instead of keeping its peak size. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export class SqliteDatabase {
  readonly file: string;
  readonly options: SqliteDatabaseOptions;
  readonly changes: SqliteChangeWatcher;
  private db: Database | null = null;
  private statements: Statements | null = null;
  private readonly commits: SharedTransaction;
  private users = 0;
  private closed = false;

  constructor(file: string, options: SqliteDatabaseOptions) {
    this.file = resolve(file);
    this.options = options;
    this.commits = new SharedTransaction(
      () => this.connect(true).db,
      (db) => this.begin(db),
      () => this.changes.poke(),
    );
    this.changes = new SqliteChangeWatcher(this.file, {
      versions: () => this.connect(false)?.statements.workflowVersions() ?? null,
      dataVersion: () => (this.connect(false)?.db.pragma("data_version", { simple: true }) as number | undefined) ?? null,
    });
  }

  /** Runs `change` in the next group transaction (see shared-transaction.ts); resolves once committed. */
  write<T>(change: (statements: Statements) => T): Promise<T> {
    return this.commits.run(() => change((this.statements as Statements)));
  }

  /**
   * Like write, but while there is no database file answers `absent()` instead of creating
   * one: for the changes that need an existing workflow (a claim, a completion…), so that
   * asking for work in a new state directory leaves it as it was.
   */
  writeIfExists<T>(change: (statements: Statements) => T, absent: () => T): Promise<T> {
    if (this.db === null && !existsSync(this.file)) return Promise.resolve().then(absent);
    return this.write(change);
  }

  /**
   * Like write, but while there is no database file `check` runs first, on nothing: a change
   * it refuses (a parent or task that does not exist) throws without creating the database.
   */
  writeChecked<T>(change: (statements: Statements) => T, check: () => void): Promise<T> {
    if (this.db === null && !existsSync(this.file)) {
      try {
        check();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.write(change);
  }

  /**
   * Runs `query` in one read transaction, so all its statements see the same commit;
   * `empty` is the answer while there is no database.
   */
  read<T>(query: (statements: Statements) => T, empty: () => T): T {
    const connection = this.connect(false);
    if (connection === null) return empty();
    return this.translate(() => connection.db.transaction(() => query(connection.statements))());
  }

  /** Counts a user; the connection closes when the last one closes. */
  retain(): void {
    this.users += 1;
  }

  close(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    this.closed = true;
    this.changes.close();
    this.db?.close();
    this.db = null;
    this.statements = null;
    forget(this);
  }

  /** The open connection; with `create` false, null while the file does not exist. */
  private connect(create: true): { db: Database; statements: Statements };
  private connect(create: boolean): { db: Database; statements: Statements } | null;
  private connect(create: boolean): { db: Database; statements: Statements } | null {
    if (this.db && this.statements) return { db: this.db, statements: this.statements };
    if (this.closed) throw new Error(`The database ${this.file} was closed.`);
    if (!create && !existsSync(this.file)) return null;
    if (create) mkdirSync(dirname(this.file), { recursive: true });
    const db = this.translate(() => new (loadBetterSqlite3())(this.file));
    try {
      this.translate(() => this.prepare(db));
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    this.statements = new Statements(db);
    return { db, statements: this.statements };
  }

  private prepare(db: Database): void {
    db.pragma(`busy_timeout = ${Math.round(this.options.busyTimeoutMs)}`);
    // WAL: readers never wait for writers, and a commit appends instead of rewriting pages in place.
    if (db.pragma("journal_mode", { simple: true }) !== "wal") db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${this.options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma("foreign_keys = OFF");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StateFileCorruptError(this.file, `it was written by a newer version of task-manager-mcp (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade to use it`);
    }
    if (version === SCHEMA_VERSION) return;
    // Several processes may open a new file at once: one creates the tables, the others find them.
    this.begin(db);
    try {
      const current = db.pragma("user_version", { simple: true }) as number; // again: another process may have done it meanwhile
      if (current >= SCHEMA_VERSION) {
        db.exec("COMMIT");
        return;
      }
      // A new file (version 0) has nothing to upgrade: SCHEMA creates it as it is now.
      for (let from = current; current > 0 && from < SCHEMA_VERSION; from++) {
        const upgrade = UPGRADES[from];
        if (upgrade !== undefined) db.exec(upgrade);
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      db.exec("COMMIT");
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  /** BEGIN IMMEDIATE: the write lock now, waiting up to busy_timeout, so a transaction never fails half-way for it. */
  private begin(db: Database): void {
    this.translate(() => db.exec("BEGIN IMMEDIATE"));
  }

  /** SQLite's errors in the library's terms: a busy database is LOCK_TIMEOUT, a damaged one STATE_FILE_CORRUPT. */
  private translate<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
        throw new LockTimeoutError(this.file, this.options.busyTimeoutMs / 1000);
      }
      if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
        throw new StateFileCorruptError(this.file, `not a readable SQLite database (${String(code)})`);
      }
      throw error;
    }
  }
}

const open = new Map<string, SqliteDatabase>();

function keyOf(file: string, options: SqliteDatabaseOptions): string {
  return `${resolve(file)}\u0000${options.synchronous}\u0000${options.busyTimeoutMs}`;
}

function forget(database: SqliteDatabase): void {
  const key = keyOf(database.file, database.options);
  if (open.get(key) === database) open.delete(key);
}

/**
 * The process's database for this file (one per file and options), counted as used
 * once more; each user calls close() when done.
 */
export function openSqliteDatabase(file: string, options: SqliteDatabaseOptions): SqliteDatabase {
  const key = keyOf(file, options);
  let database = open.get(key);
  if (!database) {
    database = new SqliteDatabase(file, options);
    open.set(key, database);
  }
  database.retain();
  return database;
}
