/**
 * Tells listeners when a workflow state file (`<name>.json`) in a directory is
 * created, replaced or deleted, by any process. One watcher per directory serves
 * every listener of this process (waiting claims, MCP subscriptions, a dashboard)
 * and closes with the last of them.
 *
 * `fs.watch` reports a commit within milliseconds: every write renames a temp file
 * over `<name>.json`. Watching is unreliable on some file systems (network mounts,
 * some container volumes), so a slow re-check every few seconds also compares each
 * file's inode, size and times — one stat per file, never a read of its content.
 * While the directory does not exist yet, its nearest existing ancestor is watched,
 * so its creation is seen at once too.
 */
import { existsSync, watch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";

export type StateFileChangeKind = "created" | "changed" | "deleted";

export interface StateFileChange {
  /** The file's name in the directory, e.g. `alpha.json`. */
  file: string;
  kind: StateFileChangeKind;
}

export type StateFileListener = (change: StateFileChange) => void;

export interface StateDirWatcherOptions {
  /** How often the safety re-check runs (default 3000 ms). */
  recheckMs?: number | undefined;
  /** Use fs.watch (default true); false leaves only the re-check, as on a file system without events. */
  fsWatch?: boolean | undefined;
}

export const DEFAULT_RECHECK_MS = 3_000;

/** Only the committed files: write-file-atomic's temps (`x.json.123`) and locks (`x.json.lock`) do not end in .json. */
const STATE_FILE = /\.json$/;

export class StateDirWatcher {
  readonly directory: string;
  private readonly recheckMs: number;
  private readonly useFsWatch: boolean;
  private readonly listeners = new Set<StateFileListener>();
  /** file name → signature, as last seen */
  private known = new Map<string, string>();
  private watcher: FSWatcher | null = null;
  /** The directory's inode when it was watched: a directory removed and made again needs a new watch. */
  private watchedIno: bigint | null = null;
  private ancestor: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Events and re-checks run one at a time, so `known` is never updated out of order. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(directory: string, options: StateDirWatcherOptions = {}) {
    this.directory = resolve(directory);
    this.recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
    this.useFsWatch = options.fsWatch ?? true;
    this.attach();
    // The first scan only learns what is there; a change racing with it still arrives as an fs.watch event.
    this.enqueue(() => this.scan(false));
    this.timer = setInterval(() => this.enqueue(() => this.recheck()), this.recheckMs);
    this.timer.unref();
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: StateFileListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Resolves once the events and scans queued so far have been handled (for tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.detach();
  }

  private enqueue(step: () => Promise<void>): void {
    // A failing stat or readdir (permissions, a vanished directory) skips this step; the next re-check tries again.
    this.queue = this.queue.then(step).catch(() => undefined);
  }

  private attach(): void {
    if (!this.useFsWatch || this.closed) return;
    this.detach();
    try {
      const watcher = watch(this.directory, { persistent: false }, (_event, file) => this.onEvent(file));
      // For example the directory was removed: the re-check watches it again once it is back.
      watcher.on("error", () => {
        if (this.watcher === watcher) this.detach();
      });
      this.watcher = watcher;
      this.enqueue(async () => {
        this.watchedIno = (await stat(this.directory, { bigint: true })).ino;
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") this.watchAncestor();
    }
  }

  private detach(): void {
    this.watcher?.close();
    this.watcher = null;
    this.watchedIno = null;
    this.ancestor?.close();
    this.ancestor = null;
  }

  /** Watches the nearest existing ancestor for the next missing part of the path, then tries again. */
  private watchAncestor(): void {
    let parent = dirname(this.directory);
    while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
    const next = relative(parent, this.directory).split(sep)[0];
    try {
      this.ancestor = watch(parent, { persistent: false }, (_event, file) => {
        if (file !== null && file !== next) return;
        this.attach();
        if (this.watcher) this.enqueue(() => this.scan(true)); // files may have been written before the watch began
      });
      this.ancestor.on("error", () => {
        this.ancestor?.close();
        this.ancestor = null;
      });
    } catch {
      // Nothing watchable on the way up: the re-check still finds the directory when it appears.
      return;
    }
    // Made between looking and watching: its event was missed, so go on down now.
    if (next !== undefined && existsSync(join(parent, next))) {
      this.attach();
      if (this.watcher) this.enqueue(() => this.scan(true));
    }
  }

  private onEvent(file: string | null): void {
    if (this.closed) return;
    if (file === null) {
      this.enqueue(() => this.scan(true)); // the platform did not say which file: look at all of them
      return;
    }
    const name = basename(file);
    if (STATE_FILE.test(name)) this.enqueue(() => this.onFileEvent(name));
  }

  /**
   * An event is a real change even when the signature looks the same (a file system
   * with coarse times, an inode number reused), so it is always passed on.
   */
  private async onFileEvent(file: string): Promise<void> {
    const signature = await signatureOf(join(this.directory, file));
    const before = this.known.get(file);
    if (signature === null) {
      if (before === undefined) return; // created and removed again before we looked
      this.known.delete(file);
      this.emit({ file, kind: "deleted" });
      return;
    }
    this.known.set(file, signature);
    this.emit({ file, kind: before === undefined ? "created" : "changed" });
  }

  private async recheck(): Promise<void> {
    if (this.useFsWatch && (this.watcher === null || !(await this.stillWatchingSameDirectory()))) this.attach();
    await this.scan(true);
  }

  private async stillWatchingSameDirectory(): Promise<boolean> {
    if (this.watchedIno === null) return true; // the inode is still being read
    const current = await stat(this.directory, { bigint: true }).catch(() => null);
    return current !== null && current.ino === this.watchedIno;
  }

  /** Compares every state file with what was known; with `report`, tells listeners what differs. */
  private async scan(report: boolean): Promise<void> {
    const names = await readdir(this.directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return [];
      throw error;
    });
    const seen = new Map<string, string>();
    for (const file of names) {
      if (!STATE_FILE.test(file)) continue;
      const signature = await signatureOf(join(this.directory, file));
      if (signature !== null) seen.set(file, signature);
    }
    const before = this.known;
    this.known = seen;
    if (!report) return;
    for (const [file, signature] of seen) {
      const old = before.get(file);
      if (old === undefined) this.emit({ file, kind: "created" });
      else if (old !== signature) this.emit({ file, kind: "changed" });
    }
    for (const file of before.keys()) if (!seen.has(file)) this.emit({ file, kind: "deleted" });
  }

  private emit(change: StateFileChange): void {
    if (this.closed) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // One listener's failure must not keep the others from hearing of the change.
      }
    }
  }
}

/** What changes whenever the file is replaced or rewritten; null when it is not (or no longer) a file. */
async function signatureOf(path: string): Promise<string | null> {
  try {
    const info = await stat(path, { bigint: true });
    if (!info.isFile()) return null;
    return `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
}

const shared = new Map<string, StateDirWatcher>();

/**
 * Calls `listener` on every change to a state file in `directory`, by any process;
 * returns the function that stops it. Listeners of one directory share one watcher,
 * closed when the last of them stops.
 */
export function watchStateDirectory(directory: string, listener: StateFileListener): () => void {
  const key = resolve(directory);
  let watcher = shared.get(key);
  if (!watcher) {
    watcher = new StateDirWatcher(key);
    shared.set(key, watcher);
  }
  const owner = watcher;
  const unsubscribe = owner.subscribe(listener);
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    unsubscribe();
    if (owner.listenerCount === 0 && shared.get(key) === owner) {
      owner.close();
      shared.delete(key);
    }
  };
}

/** How many directories this process watches now (for tests: watchers must not leak). */
export function watchedDirectoryCount(): number {
  return shared.size;
}
