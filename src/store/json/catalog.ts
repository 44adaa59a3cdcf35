/** The JSON store's workflows: `<state-dir>/<name>.json`, one state file each. */
import { access, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { StoreNotice } from "../../core/store-notices.js";
import { assertWorkflowName, isWorkflowName } from "../../core/workflow-name.js";
import { JsonFileStore } from "./json-file-store.js";
import { watchStateDirectory } from "./state-dir-watcher.js";
import type { StoreOptions, WorkflowCatalog, WorkflowChange } from "../workflow-catalog.js";

const STATE_FILE_SUFFIX = ".json";

export class JsonCatalog implements WorkflowCatalog {
  readonly kind = "json";
  private readonly stateDir: string;

  constructor(
    stateDir: string,
    private readonly options: StoreOptions,
  ) {
    this.stateDir = resolve(stateDir);
  }

  fileOf(name: string): string {
    return join(this.stateDir, `${assertWorkflowName(name)}${STATE_FILE_SUFFIX}`);
  }

  locationOf(name: string): string {
    return this.fileOf(name);
  }

  open(name: string, onNotice: ((notice: StoreNotice) => void) | undefined): JsonFileStore {
    return new JsonFileStore({
      file: this.fileOf(name),
      lockTimeoutSeconds: this.options.lockTimeoutSeconds,
      lockStaleMs: this.options.lockStaleMs,
      onNotice,
    });
  }

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

  async exists(name: string): Promise<boolean> {
    return access(this.fileOf(name)).then(
      () => true,
      () => false,
    );
  }

  watch(listener: (change: WorkflowChange) => void): () => void {
    return watchStateDirectory(this.stateDir, ({ file, kind }) => {
      const name = file.slice(0, -STATE_FILE_SUFFIX.length);
      if (isWorkflowName(name)) listener({ workflow: name, kind });
    });
  }

  async close(): Promise<void> {
    // A state file is open only during a call.
  }
}
