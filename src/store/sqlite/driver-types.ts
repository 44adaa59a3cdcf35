/**
 * The parts of better-sqlite3's connection and statement that the SQLite store uses,
 * declared here so the package's published types never name the optional driver: a
 * user without better-sqlite3 (or its @types) still type-checks. load-better-sqlite3.ts
 * assigns the real driver to these, so the compiler keeps them a faithful subset.
 */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** The rows one at a time; leaving the loop early ends the statement. */
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Returns the statement, now answering only the first column of each row. */
  pluck(toggle?: boolean): this;
}

export interface Database {
  readonly inTransaction: boolean;
  prepare(source: string): Statement;
  exec(source: string): this;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Wraps `fn` in BEGIN / COMMIT (ROLLBACK if it throws). */
  transaction<T>(fn: () => T): () => T;
  close(): this;
}

export interface DatabaseOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
}

/** better-sqlite3's default export: the Database constructor. */
export type DatabaseConstructor = new (filename: string, options?: DatabaseOptions) => Database;
