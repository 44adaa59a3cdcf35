/**
 * One workflow's state file, and the version of it last read or written.
 *
 * The file is the truth; the kept version only saves work. Every call reads the file's
 * bytes: when they are the kept version's, its state is used as it is; when another
 * process changed them, only the tasks whose bytes differ are parsed (layout.ts). Nothing
 * is held open between calls.
 *
 * The kept state is this module's alone: what a write stored is parsed back from the bytes
 * written, and the store copies what it returns.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { StateFileCorruptError } from "../../core/errors.js";
import type { WorkflowState } from "../../core/schema.js";
import { replaceFileDurably } from "./durable-write.js";
import { memoryFor, readLayout, taskAt, writeLayout, type Version } from "./layout.js";

/**
 * The longest file a JavaScript string can hold, about 512 MiB: a workflow that big cannot
 * be parsed (the SQLite store is made for it).
 */
const MAX_READABLE_BYTES = 0x1fffffe8;

export class StateFile {
  private version: Version | null = null;
  /** Memory no version uses, free to hold the next read or write (see memoryFor). */
  private spare: Buffer | null = null;

  constructor(readonly path: string) {}

  /**
   * The committed state, or null when there is no file. It is the kept copy: callers read
   * it and let go; a rule may change it in place only if write() follows at once, and a
   * rule that fails part way must forget() it.
   */
  read(): WorkflowState | null {
    const bytes = readFile(this.path, this.takeSpare());
    if (bytes === null) {
      this.forget();
      return null;
    }
    const kept = this.version;
    if (kept !== null && bytes.equals(kept.layout.bytes)) {
      this.spare = bytes;
      return kept.state;
    }
    // `kept` is used up by readLayout: should it fail, nothing of it is kept.
    this.version = null;
    this.version = readLayout(this.path, bytes, kept);
    this.spare = kept?.layout.bytes ?? null;
    return this.version.state;
  }

  /**
   * Writes `state` durably (see durable-write.ts) and keeps it as the current version.
   * `state` is usually the kept state, changed in place by a rule: it is kept no longer,
   * so should the write fail, the next read reads the file, not the change. Returns
   * whether the directory was fsynced (see replaceFileDurably).
   */
  async write(state: WorkflowState, beforeRename: () => void): Promise<boolean> {
    // The kept version is used up by writeLayout: should the write fail, the file is read whole.
    const previous = this.version?.layout ?? null;
    const { layout, written, outline } = writeLayout(state, previous, this.takeSpare());
    this.version = null;
    this.spare = previous?.bytes ?? null;
    const durable = await replaceFileDurably(this.path, layout.bytes, beforeRename);
    // What was written is parsed back, so the kept state shares nothing with callers' objects.
    for (const [id, place] of written) {
      place.task = Object.freeze(taskAt(layout.bytes, place));
      Object.defineProperty(state.tasks, id, { value: place.task, enumerable: true, writable: true, configurable: true });
    }
    const fields = JSON.parse(outline) as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (key !== "tasks") Object.defineProperty(state, key, { value: fields[key], enumerable: true, writable: true, configurable: true });
    }
    this.version = { layout, state };
    return durable;
  }

  /** Drops the kept version: the next read parses the file whole. */
  forget(): void {
    this.version = null;
  }

  /** Lets go of everything kept. */
  close(): void {
    this.version = null;
    this.spare = null;
  }

  private takeSpare(): Buffer | null {
    const spare = this.spare;
    this.spare = null;
    return spare;
  }
}

/**
 * The state file's bytes, read into `memory` when it has room; null when there is no file.
 * A state file is a regular file in the state directory: a symbolic link is refused, not
 * followed, so no file outside is ever read.
 */
function readFile(path: string, memory: Buffer | null): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw new StateFileCorruptError(path, "it is a symbolic link; a state file must be a regular file");
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new StateFileCorruptError(path, "it is not a regular file");
    if (stats.size > MAX_READABLE_BYTES) throw new StateFileCorruptError(path, `it is ${stats.size} bytes, more than the 512 MiB a state file can hold; a workflow this big belongs in the SQLite store`);
    const bytes = memoryFor(stats.size, memory);
    let length = 0;
    for (let read = -1; read !== 0 && length < bytes.length; length += read) read = readSync(fd, bytes, length, bytes.length - length, length);
    return bytes.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
