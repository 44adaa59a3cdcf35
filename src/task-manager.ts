/**
 * The library's entry point, as the seed's README uses it:
 * `new TaskManager({ stateFile, lockTimeout, taskTimeoutHours })` over a JSON state file.
 */
import { TaskManagerCore, type TaskManagerCoreOptions } from "./core/task-manager.js";
import type { NoticeListener } from "./core/store-notices.js";
import type { TaskStore } from "./core/task-store.js";
import { JsonFileStore } from "./store/json-file-store.js";

export const DEFAULT_LOCK_TIMEOUT_SECONDS = 5;

export interface TaskManagerOptions extends Omit<TaskManagerCoreOptions, "store"> {
  /** The workflow's JSON state file, created with its directory on the first write. */
  stateFile?: string | undefined;
  /** Or any other store (tests, future backends); takes the place of stateFile. */
  store?: TaskStore | undefined;
  /** Seconds to wait for the state file's lock before LOCK_TIMEOUT (default 5). */
  lockTimeout?: number | undefined;
  /** Milliseconds after which a lock left by a dead process is taken over (default 4000, at least 2000). */
  lockStaleMs?: number | undefined;
  /** Told of long lock waits, expired leases released and a corrupt state file; silent without it. */
  onNotice?: NoticeListener | undefined;
}

export class TaskManager extends TaskManagerCore {
  constructor(options: TaskManagerOptions) {
    super({ ...options, store: options.store ?? openJsonStore(options) });
  }
}

function openJsonStore(options: TaskManagerOptions): TaskStore {
  if (typeof options.stateFile !== "string" || options.stateFile.length === 0) {
    throw new TypeError("TaskManager needs a stateFile (the workflow's JSON file) or a store.");
  }
  const lockTimeout = options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
  if (!Number.isFinite(lockTimeout) || lockTimeout < 0) {
    throw new TypeError(`lockTimeout must be a number of seconds >= 0, got ${String(lockTimeout)}.`);
  }
  return new JsonFileStore({
    file: options.stateFile,
    lockTimeoutSeconds: lockTimeout,
    lockStaleMs: options.lockStaleMs,
    onNotice: options.onNotice,
  });
}
