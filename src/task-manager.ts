/**
 * The library's entry point, with the seed's options:
 * `new TaskManager({ stateFile, lockTimeout, taskTimeoutHours })` over a JSON state file;
 * `new TaskManager({ store: "sqlite", stateDir, workflow })` over the SQLite database of a
 * state directory; `new TaskManager({ store: "postgres", url, workflow })`; or any TaskStore.
 */
import { TaskManagerCore, type TaskManagerCoreOptions } from "./core/task-manager-core.js";
import type { NoticeListener } from "./core/store-notices.js";
import type { TaskStore } from "./core/task-store.js";
import { DEFAULT_WORKFLOW } from "./core/workflow-name.js";
import { JsonFileStore } from "./store/json/json-file-store.js";
import type { SqliteSynchronous } from "./store/sqlite/database.js";
import { openCatalog } from "./store/open-catalog.js";
import { isStoreKind, STORE_KINDS, type StoreKind } from "./store/workflow-catalog.js";

export const DEFAULT_LOCK_TIMEOUT_SECONDS = 5;

export interface TaskManagerOptions extends Omit<TaskManagerCoreOptions, "store"> {
  /** The workflow's JSON state file, created with its directory on the first write. */
  stateFile?: string | undefined;
  /**
   * "json" (the default) or "sqlite": which store keeps `workflow` in `stateDir`. Or a
   * TaskStore instance (tests, other backends), which takes the place of all the rest.
   */
  store?: TaskStore | StoreKind | undefined;
  /** Instead of stateFile: the state directory, as the server and Workflows use it. */
  stateDir?: string | undefined;
  /** With stateDir: the workflow's name (default "default"). */
  workflow?: string | undefined;
  /** SQLite only: "full" (default), or "normal" to trade durability against power cuts for speed. */
  sqliteSynchronous?: SqliteSynchronous | undefined;
  /** With store "postgres": the database's URL (no stateDir needed). */
  databaseUrl?: string | undefined;
  /** With store "postgres": the schema holding the tables (default "task_manager"). */
  databaseSchema?: string | undefined;
  /** Seconds to wait for the state file's lock before LOCK_TIMEOUT (default 5). */
  lockTimeout?: number | undefined;
  /** Milliseconds after which a lock left by a dead process is taken over (default 4000, at least 2000). */
  lockStaleMs?: number | undefined;
  /** Told of long lock waits, expired leases released and a corrupt state file; silent without it. */
  onNotice?: NoticeListener | undefined;
}

export class TaskManager extends TaskManagerCore {
  constructor(options: TaskManagerOptions) {
    super({ ...options, store: openStore(options) });
  }
}

function openStore(options: TaskManagerOptions): TaskStore {
  if (typeof options.store === "object" && options.store !== null) return options.store;
  const kind = options.store ?? "json";
  if (!isStoreKind(kind)) throw new TypeError(`store must be one of ${STORE_KINDS.join(", ")} or a TaskStore, got ${JSON.stringify(kind)}.`);
  const lockTimeout = options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
  if (!Number.isFinite(lockTimeout) || lockTimeout < 0) {
    throw new TypeError(`lockTimeout must be a number of seconds >= 0, got ${String(lockTimeout)}.`);
  }
  if (kind === "postgres") {
    const catalog = openCatalog(kind, options.stateDir ?? ".", {
      lockTimeoutSeconds: lockTimeout,
      databaseUrl: options.databaseUrl,
      databaseSchema: options.databaseSchema,
    });
    // The store holds the database open itself; the catalog's own hold is let go at once.
    const store = catalog.open(options.workflow ?? DEFAULT_WORKFLOW, options.onNotice);
    void catalog.close();
    return store;
  }
  if (options.stateDir !== undefined) {
    if (options.stateFile !== undefined) throw new TypeError("TaskManager takes a stateFile or a stateDir, not both.");
    const catalog = openCatalog(kind, options.stateDir, {
      lockTimeoutSeconds: lockTimeout,
      lockStaleMs: options.lockStaleMs,
      sqliteSynchronous: options.sqliteSynchronous,
    });
    return catalog.open(options.workflow ?? DEFAULT_WORKFLOW, options.onNotice);
  }
  if (kind === "sqlite") throw new TypeError('TaskManager with store "sqlite" needs a stateDir (the database is <stateDir>/tasks.sqlite).');
  if (typeof options.stateFile !== "string" || options.stateFile.length === 0) {
    throw new TypeError("TaskManager needs a stateFile (the workflow's JSON file), a stateDir, or a store.");
  }
  return new JsonFileStore({
    file: options.stateFile,
    lockTimeoutSeconds: lockTimeout,
    lockStaleMs: options.lockStaleMs,
    onNotice: options.onNotice,
  });
}
