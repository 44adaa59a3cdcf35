/**
 * A store's workflows, by name: with the JSON store (the default) one state file each,
 * `<state-dir>/<name>.json`; with the SQLite store all in `<state-dir>/tasks.sqlite`; with
 * PostgreSQL rows of one schema. Opens workflows by name (refusing names that could escape
 * the directory), lists them, and tells of any process's change to them.
 */
import { resolve } from "node:path";
import { InvalidInputError } from "./core/errors.js";
import type { TaskManagerCoreOptions } from "./core/task-manager-core.js";
import type { StoreNotice } from "./core/store-notices.js";
import type { SqliteSynchronous } from "./store/sqlite/database.js";
import {
  DEFAULT_STORE_KIND,
  isStoreKind,
  STORE_KINDS,
  type StoreKind,
  type WorkflowCatalog,
  type WorkflowChange,
} from "./store/workflow-catalog.js";
import { openCatalog } from "./store/open-catalog.js";
import { DEFAULT_LOCK_TIMEOUT_SECONDS, TaskManager } from "./task-manager.js";

export type { StoreKind, WorkflowChange } from "./store/workflow-catalog.js";

export interface WorkflowsOptions extends Omit<TaskManagerCoreOptions, "store"> {
  /** The directory of state files; created on the first write. */
  stateDir: string;
  /** "json" (default): a state file per workflow. "sqlite": one database for all, for millions of tasks. */
  store?: StoreKind | undefined;
  /** SQLite only: "full" (default), or "normal" to trade durability against power cuts for speed. */
  sqliteSynchronous?: SqliteSynchronous | undefined;
  /** With store "postgres": the database's URL (the state directory is then not used). */
  databaseUrl?: string | undefined;
  /** With store "postgres": the schema holding the tables (default "task_manager"). */
  databaseSchema?: string | undefined;
  lockTimeout?: number | undefined;
  lockStaleMs?: number | undefined;
  /** Told of long lock waits, expired leases released and corrupt state files, with the workflow's name. */
  onNotice?: ((notice: StoreNotice, workflow: string) => void) | undefined;
}

export class Workflows {
  readonly stateDir: string;
  /** Which store keeps the workflows. */
  readonly store: StoreKind;
  private readonly options: WorkflowsOptions;
  private readonly catalog: WorkflowCatalog;
  private readonly open = new Map<string, TaskManager>();

  constructor(options: WorkflowsOptions) {
    this.options = options;
    this.stateDir = resolve(options.stateDir);
    const store = options.store ?? DEFAULT_STORE_KIND;
    if (!isStoreKind(store)) {
      throw new InvalidInputError(`Invalid store ${JSON.stringify(store)}: use one of ${STORE_KINDS.join(", ")}.`);
    }
    this.store = store;
    this.catalog = openCatalog(store, this.stateDir, {
      lockTimeoutSeconds: options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_SECONDS,
      lockStaleMs: options.lockStaleMs,
      sqliteSynchronous: options.sqliteSynchronous,
      databaseUrl: options.databaseUrl,
      databaseSchema: options.databaseSchema,
    });
  }

  /**
   * The file that holds a workflow: its state file, or (SQLite) the database that holds
   * them all. Throws INVALID_INPUT for a name that is not allowed.
   */
  stateFileOf(name: string): string {
    return this.catalog.fileOf(name);
  }

  /** Where a workflow lives, for people: its state file, or the database and the workflow's name. */
  locationOf(name: string): string {
    return this.catalog.locationOf(name);
  }

  /** Whether the workflow has been written (a state file, or rows in the database). */
  exists(name: string): Promise<boolean> {
    return this.catalog.exists(name);
  }

  /** The TaskManager of a workflow (one per name, reused). Nothing is created until a write. */
  get(name: string): TaskManager {
    this.catalog.fileOf(name); // refuses a name that is not allowed
    let manager = this.open.get(name);
    if (!manager) {
      const { onNotice } = this.options;
      const store = this.catalog.open(name, onNotice && ((notice: StoreNotice) => onNotice(notice, name)));
      const { taskTimeoutHours, maxPayloadBytes, clock } = this.options;
      manager = new TaskManager({ taskTimeoutHours, maxPayloadBytes, clock, store });
      this.open.set(name, manager);
    }
    return manager;
  }

  /**
   * Calls `listener` soon after any process creates, changes or deletes a workflow here
   * (the directory need not exist yet); returns the function that stops it. All watchers
   * of a directory in this process share one watch.
   */
  watch(listener: (change: WorkflowChange) => void): () => void {
    return this.catalog.watch(listener);
  }

  /** Names of the workflows that exist, sorted. */
  list(): Promise<string[]> {
    return this.catalog.list();
  }

  /** Closes every workflow opened here (a database connection with SQLite); none is used afterwards. */
  async close(): Promise<void> {
    const managers = [...this.open.values()];
    this.open.clear();
    await Promise.all(managers.map((manager) => manager.close()));
    await this.catalog.close();
  }
}
