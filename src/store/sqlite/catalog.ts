/** The SQLite store's workflows: every one in `<state-dir>/tasks.sqlite`, by name. */
import { join, resolve } from "node:path";
import type { StoreNotice } from "../../core/store-notices.js";
import { assertWorkflowName } from "../../core/workflow-name.js";
import { openSqliteDatabase, SQLITE_FILE_NAME, type SqliteDatabase } from "./database.js";
import { SqliteStore } from "./sqlite-store.js";
import type { StoreOptions, WorkflowCatalog, WorkflowChange } from "../workflow-catalog.js";

export class SqliteCatalog implements WorkflowCatalog {
  readonly kind = "sqlite";
  readonly file: string;
  private database: SqliteDatabase | null = null;

  constructor(
    stateDir: string,
    private readonly options: StoreOptions,
  ) {
    this.file = join(resolve(stateDir), SQLITE_FILE_NAME);
  }

  fileOf(name: string): string {
    assertWorkflowName(name);
    return this.file;
  }

  locationOf(name: string): string {
    return `${this.file}#${assertWorkflowName(name)}`;
  }

  open(name: string, onNotice: ((notice: StoreNotice) => void) | undefined): SqliteStore {
    return new SqliteStore({
      file: this.file,
      workflow: name,
      lockTimeoutSeconds: this.options.lockTimeoutSeconds,
      synchronous: this.options.sqliteSynchronous,
      onNotice,
    });
  }

  async list(): Promise<string[]> {
    return this.db().read(
      (s) => s.workflowNames(),
      () => [],
    );
  }

  async exists(name: string): Promise<boolean> {
    assertWorkflowName(name);
    return this.db().read(
      (s) => s.workflow(name) !== undefined,
      () => false,
    );
  }

  watch(listener: (change: WorkflowChange) => void): () => void {
    return this.db().changes.subscribe((changes) => {
      for (const change of changes) listener(change);
    });
  }

  async close(): Promise<void> {
    this.database?.close();
    this.database = null;
  }

  /** The database, shared with this process's stores of the same file. */
  private db(): SqliteDatabase {
    this.database ??= openSqliteDatabase(this.file, {
      busyTimeoutMs: this.options.lockTimeoutSeconds * 1000,
      synchronous: this.options.sqliteSynchronous ?? "full",
    });
    return this.database;
  }
}
