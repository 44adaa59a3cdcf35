/**
 * Tells listeners which workflows of a database changed, by any process, soon after
 * the commit. Every commit bumps its workflow's `version`; a check compares the
 * versions with those seen last, which costs one tiny query.
 *
 * A check runs when fs.watch reports a write to the database or its WAL (every commit
 * of another process writes the WAL), right after this process commits, and every few
 * seconds as a safety net on file systems without change events, where
 * `PRAGMA data_version` first says whether anyone committed at all. Nothing polls
 * faster than that; without listeners nothing runs.
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { Subscribers } from "../subscribers.js";

export type WorkflowChangeKind = "created" | "changed" | "deleted";
export interface WorkflowVersionChange {
  workflow: string;
  kind: WorkflowChangeKind;
}
export type WorkflowVersionsListener = (changes: WorkflowVersionChange[]) => void;

/** What the watcher reads: null while the database does not exist. */
export interface VersionSource {
  /** Every workflow's version, or null when there is no database yet. */
  versions(): Map<string, number> | null;
  /** PRAGMA data_version, or null when there is no database yet. */
  dataVersion(): number | null;
}

export const SAFETY_RECHECK_MS = 2_000;

export class SqliteChangeWatcher {
  private readonly listeners = new Subscribers<WorkflowVersionChange[]>({ first: () => this.start(), last: () => this.stop() });
  private known: Map<string, number> | null = null;
  private lastDataVersion: number | null = null;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checkQueued = false;

  constructor(
    private readonly file: string,
    private readonly source: VersionSource,
  ) {}

  /** Adds a listener; returns the function that removes it. The watch runs while anyone listens. */
  subscribe(listener: WorkflowVersionsListener): () => void {
    return this.listeners.add(listener);
  }

  /** This process committed: look now (its own commits do not change data_version for it). */
  poke(): void {
    if (this.listeners.size > 0) this.queueCheck(true);
  }

  close(): void {
    this.listeners.clear();
    this.stop();
  }

  private start(): void {
    this.known = this.readVersions();
    this.lastDataVersion = this.safely(() => this.source.dataVersion());
    this.attach();
    this.timer = setInterval(() => {
      if (this.watcher === null) this.attach();
      this.queueCheck(false);
    }, SAFETY_RECHECK_MS);
    this.timer.unref();
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.known = null;
  }

  /** Watches the directory, not the files: the WAL comes and goes, and the database may not exist yet. */
  private attach(): void {
    const names = new Set([basename(this.file), `${basename(this.file)}-wal`]);
    try {
      const watcher = watch(dirname(this.file), { persistent: false }, (_event, name) => {
        if (name === null || names.has(name)) this.queueCheck(true);
      });
      watcher.on("error", () => {
        watcher.close();
        if (this.watcher === watcher) this.watcher = null; // the safety re-check attaches again
      });
      this.watcher = watcher;
    } catch {
      // No directory yet: the safety re-check attaches once there is one.
    }
  }

  /** Many events arrive per commit: they are gathered into one check. */
  private queueCheck(certain: boolean): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      this.check(certain);
    });
  }

  /** `certain`: something was written, so skip the data_version shortcut. */
  private check(certain: boolean): void {
    if (this.listeners.size === 0) return;
    if (!certain) {
      const dataVersion = this.safely(() => this.source.dataVersion());
      if (dataVersion !== null && dataVersion === this.lastDataVersion && this.known !== null) return;
      this.lastDataVersion = dataVersion;
    }
    const current = this.readVersions();
    if (current === null) return;
    const before = this.known ?? new Map<string, number>();
    this.known = current;
    const changes: WorkflowVersionChange[] = [];
    for (const [workflow, version] of current) {
      const old = before.get(workflow);
      if (old === undefined) changes.push({ workflow, kind: "created" });
      else if (old !== version) changes.push({ workflow, kind: "changed" });
    }
    for (const workflow of before.keys()) if (!current.has(workflow)) changes.push({ workflow, kind: "deleted" });
    if (changes.length > 0) this.listeners.emit(changes);
  }

  private readVersions(): Map<string, number> | null {
    return this.safely(() => this.source.versions());
  }

  /** A database that is busy being created or is unreadable is looked at again on the next event. */
  private safely<T>(read: () => T | null): T | null {
    try {
      return read();
    } catch {
      return null;
    }
  }
}
