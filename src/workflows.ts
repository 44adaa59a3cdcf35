/**
 * A state directory holding one JSON state file per workflow: `<state-dir>/<name>.json`.
 * Opens workflows by name (refusing names that could escape the directory) and lists them.
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { TaskManagerCoreOptions } from "./core/task-manager.js";
import { assertWorkflowName, isWorkflowName } from "./core/workflow-name.js";
import type { StoreNotice } from "./core/store-notices.js";
import { watchStateDirectory, type StateFileChangeKind } from "./store/state-dir-watcher.js";
import { TaskManager } from "./task-manager.js";

export interface WorkflowsOptions extends Omit<TaskManagerCoreOptions, "store"> {
  /** The directory of state files; created on the first write. */
  stateDir: string;
  lockTimeout?: number | undefined;
  lockStaleMs?: number | undefined;
  /** Told of long lock waits, expired leases released and corrupt state files, with the workflow's name. */
  onNotice?: ((notice: StoreNotice, workflow: string) => void) | undefined;
}

/** A workflow's state file was created, changed or deleted, by any process. */
export interface WorkflowChange {
  workflow: string;
  kind: StateFileChangeKind;
}

const STATE_FILE_SUFFIX = ".json";

export class Workflows {
  readonly stateDir: string;
  private readonly options: WorkflowsOptions;
  private readonly open = new Map<string, TaskManager>();

  constructor(options: WorkflowsOptions) {
    this.options = options;
    this.stateDir = resolve(options.stateDir);
  }

  /** The state file of a workflow; throws INVALID_INPUT for a name that is not allowed. */
  stateFileOf(name: string): string {
    return join(this.stateDir, `${assertWorkflowName(name)}${STATE_FILE_SUFFIX}`);
  }

  /** The TaskManager of a workflow (one per name, reused). Nothing is created until a write. */
  get(name: string): TaskManager {
    const stateFile = this.stateFileOf(name);
    let manager = this.open.get(name);
    if (!manager) {
      const { onNotice } = this.options;
      manager = new TaskManager({ ...this.options, stateFile, onNotice: onNotice && ((notice) => onNotice(notice, name)) });
      this.open.set(name, manager);
    }
    return manager;
  }

  /**
   * Calls `listener` soon after any process creates, changes or deletes a workflow's
   * state file here (the directory need not exist yet); returns the function that
   * stops it. All watchers of a directory in this process share one fs.watch.
   */
  watch(listener: (change: WorkflowChange) => void): () => void {
    return watchStateDirectory(this.stateDir, ({ file, kind }) => {
      const name = file.slice(0, -STATE_FILE_SUFFIX.length);
      if (isWorkflowName(name)) listener({ workflow: name, kind });
    });
  }

  /** Names of the workflows that have a state file, sorted. */
  async list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.stateDir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(STATE_FILE_SUFFIX))
      .map((entry) => entry.name.slice(0, -STATE_FILE_SUFFIX.length))
      .filter(isWorkflowName)
      .sort();
  }
}
