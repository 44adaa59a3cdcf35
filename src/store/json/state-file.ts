/**
 * One workflow's state file, and the version of it last read or written.
 *
 * The file is the truth; the kept version only saves work. It is used for as long as
 * the path names it: its descriptor stays open, so its inode cannot be reused, and the
 * same inode, size, mtime and ctime then mean the same bytes; a call reads nothing.
 * Otherwise the file is read again, reusing what did not change (layout.ts).
 * The kept state is this module's alone: what a write stored is parsed back from the
 * bytes written, and the store copies what it returns.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type BigIntStats } from "node:fs";
import { StateFileCorruptError } from "../../core/errors.js";
import type { WorkflowState } from "../../core/schema.js";
import { replaceFileDurably } from "./durable-write.js";
import { memoryFor, readLayout, taskAt, writeLayout, type Layout } from "./layout.js";

interface Version {
  /** Pins the version's inode while it is kept. */
  fd: number;
  stats: BigIntStats;
  layout: Layout;
  state: WorkflowState;
}

/** Closes the descriptor of a StateFile that was dropped without close(). */
const unclosed = new FinalizationRegistry<{ fd: number | null }>((pinned) => {
  if (pinned.fd !== null) closeSync(pinned.fd);
});

export class StateFile {
  private version: Version | null = null;
  /** The memory of the version before the kept one, free to hold the next (see memoryFor). */
  private spare: Buffer | null = null;
  private readonly pinned = { fd: null as number | null };

  constructor(readonly path: string) {
    unclosed.register(this, this.pinned, this);
  }

  /**
   * The committed state, or null when there is no file. It is the kept copy: callers read
   * it and let go; a rule may change it in place only if write() follows at once.
   */
  read(): WorkflowState | null {
    const stats = lstatSync(this.path, { bigint: true, throwIfNoEntry: false });
    if (stats === undefined) {
      this.close();
      return null;
    }
    if (this.version && sameVersion(this.version.stats, stats)) return this.version.state;
    const { fd, bytes } = openVersion(this.path, this.takeSpare());
    try {
      const { state, layout } = readLayout(this.path, bytes, this.version?.layout ?? null);
      this.keep({ fd, stats: fstatSync(fd, { bigint: true }), layout, state });
      return state;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /**
   * Writes `state` durably (see durable-write.ts) and keeps it as the current version.
   * `state` is usually the kept state, changed in place by a rule: it is kept no longer,
   * so should the write fail, the next read reads the file, not the change.
   */
  async write(state: WorkflowState, beforeRename: () => void): Promise<void> {
    // The kept version is used up by writeLayout: should the write fail, the file is read afresh.
    const memory = this.takeSpare();
    const previous = this.version?.layout ?? null;
    this.close();
    const { layout, written } = writeLayout(state, previous, memory);
    this.spare = previous?.bytes ?? null;
    await replaceFileDurably(this.path, layout.bytes, beforeRename);
    // Still under the lock, so the path names what was just written.
    const fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    // What was written is parsed back, so the kept state shares nothing with callers' objects.
    for (const [id, place] of written) {
      place.task = Object.freeze(taskAt(layout.bytes, place));
      Object.defineProperty(state.tasks, id, { value: place.task, enumerable: true, writable: true, configurable: true });
    }
    state.metadata = JSON.parse(JSON.stringify(state.metadata)) as WorkflowState["metadata"];
    this.keep({ fd, stats: fstatSync(fd, { bigint: true }), layout, state });
  }

  /** Lets go of the kept version; the next call reads the file afresh. */
  close(): void {
    if (this.version) closeSync(this.version.fd);
    this.version = null;
    this.pinned.fd = null;
  }

  private keep(version: Version): void {
    const replaced = this.version?.layout.bytes ?? null;
    this.close();
    if (replaced !== null && replaced.buffer !== version.layout.bytes.buffer) this.spare = replaced;
    this.version = version;
    this.pinned.fd = version.fd;
  }

  private takeSpare(): Buffer | null {
    const spare = this.spare;
    this.spare = null;
    return spare;
  }
}

/** Same file, same bytes: the kept version's inode cannot have been reused while its descriptor is open. */
function sameVersion(a: BigIntStats, b: BigIntStats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/**
 * Opens the state file and reads it whole. A state file is a regular file in the state
 * directory: a symbolic link is refused, not followed, so no file outside is ever read.
 */
function openVersion(path: string, memory: Buffer | null): { fd: number; bytes: Buffer } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw new StateFileCorruptError(path, "it is a symbolic link; a state file must be a regular file");
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new StateFileCorruptError(path, "it is not a regular file");
    const bytes = memoryFor(stats.size, memory);
    let length = 0;
    for (let read = -1; read !== 0 && length < bytes.length; length += read) read = readSync(fd, bytes, length, bytes.length - length, length);
    return { fd, bytes: bytes.subarray(0, length) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
