/**
 * Reads and writes one workflow's state file without redoing, on every call, the
 * work that did not change since the last one: most calls change one task of
 * thousands, yet parsing, validating and stringifying the whole file is what costs.
 *
 * The codec keeps an index of the file version it last read or wrote: the validated
 * state, with each task frozen so that it is the same object exactly while it is the
 * same text, and where each task's text lies in the file (task-fragments.ts). It keeps
 * that version open: an open file's inode cannot be reused, so a path that still names
 * the same inode, unchanged in size, mtime and ctime, still holds those bytes. A small
 * version (up to 8 MB, about 20,000 tasks) is also kept in memory, whole, to compare
 * with and copy from without a system call; a bigger one is read from its descriptor
 * as needed, so that a 50,000-task workflow is not held twice.
 *
 * - read() returns the indexed state while the path names the indexed version and no
 *   rule has changed the state since. Otherwise it opens the new version, compares it
 *   with the indexed one from both ends, and parses and validates each task in
 *   between (the zone); every task outside the zone is byte-for-byte one already
 *   validated. The file's head and tail are parsed and validated every time. A file
 *   not laid out as write() writes it (by hand, by the Python seed), and any corrupt
 *   one, goes through the whole-file parse (parseStateFile), as before.
 * - write(state) writes exactly `JSON.stringify(state, null, 2) + "\n"`, durably, with
 *   the text of every task whose object is unchanged copied from the indexed version.
 *
 * A state handed to a rule may be changed in place, so from beginChange() on it is
 * not trusted to match the file until it is written or checked task by task again.
 */
import { close, closeSync, fstatSync, openSync, readSync, statSync, type BigIntStats } from "node:fs";
import { workflowStateSchema, type StoredTask, type WorkflowState } from "../core/schema.js";
import { keepTaskOrder, recordTaskOrder, taskIdsOf } from "../core/task-order.js";
import { replaceFileDurably, writeAll, type CommitHooks } from "./durable-write.js";
import { parseStateFile } from "./parse-state-file.js";
import {
  adoptTask,
  FRAGMENT_END,
  FRAGMENT_START,
  fragmentForWrite,
  isTaskObject,
  parseFragment,
  unchanged,
  type Fragment,
} from "./task-fragments.js";

/** What the codec did so far, for tests and the benchmark. */
export interface CodecCounts {
  /** Files read whole: files not in our layout, and corrupt ones. */
  wholeFileParses: number;
  /** Tasks parsed and validated one by one. */
  tasksParsed: number;
  /** Tasks taken over from the indexed version without parsing. */
  tasksReused: number;
  /** Tasks stringified for a write. */
  tasksStringified: number;
  /** Reads answered from the index without reading the file. */
  unchangedReads: number;
  /** Bytes read from state files, comparisons and copies included. */
  bytesRead: number;
}

/** Told the bytes of a file that could not be read as a workflow, and why; it throws. */
export type OnUnreadable = (bytes: Buffer, error: unknown) => never;

const TASKS_ANCHOR = '\n  "tasks": {';
const EMPTY_TASKS = '\n  "tasks": {}';
const BLOCK_END = "\n  }";
const SEPARATOR = ",\n";
const SEPARATOR_BYTES = Buffer.from(SEPARATOR);
/** Bytes read at a time when comparing two versions or copying from one. */
const CHUNK = 1024 * 1024;
/**
 * A version up to this size is also kept in memory, whole: comparing it with the next
 * one and copying from it then costs no system call, where reading it back piece by
 * piece (both versions, for the comparison, then the new one's changed tasks) cost more
 * than parsing the tasks that changed. About 20,000 tasks; a bigger workflow is read
 * from its descriptor as needed, so that it is not held twice.
 */
export const DEFAULT_IN_MEMORY_MAX_BYTES = 8 * 1024 * 1024;

export interface StateFileCodecOptions {
  /** Versions up to this size are kept in memory (DEFAULT_IN_MEMORY_MAX_BYTES); 0 reads every one from its descriptor. */
  inMemoryMaxBytes?: number | undefined;
}

/**
 * Memory for versions' bytes, given back when a version is closed and used again: a
 * fresh buffer costs a page fault for every 4 KB the first time it is written, which
 * for a 1,000-task file took longer than copying it, and a changed file is read or
 * written whole every time. Each buffer has some room, so a workflow can grow into it.
 */
const spareMemory: Buffer[] = [];
/** Room beyond an eighth: a small workflow's buffer stays small (each open workflow keeps one). */
const MEMORY_ROOM_MIN = 4096;
const SPARE_MEMORY_KEPT = 2;

/** A buffer of at least `size` bytes, from spareMemory when one fits. */
function memoryFor(size: number): Buffer {
  const fits = spareMemory.findIndex((memory) => memory.length >= size && memory.length <= 2 * size + MEMORY_ROOM_MIN);
  if (fits >= 0) return spareMemory.splice(fits, 1)[0] as Buffer;
  return Buffer.allocUnsafeSlow(size + (size >> 3) + MEMORY_ROOM_MIN);
}

function giveBack(memory: Buffer): void {
  if (spareMemory.length >= SPARE_MEMORY_KEPT) spareMemory.shift();
  spareMemory.push(memory);
}

/** Closes the version a garbage-collected codec still kept open. */
const unreleased = new FinalizationRegistry<{ version: FileVersion | null }>((held) => held.version?.release());

/**
 * One version of the state file, open, and its bytes when small enough;
 * closed once neither the index nor a write in progress needs it.
 */
class FileVersion {
  private holders = 1;

  /** All of the version's bytes, or null: it is read from `fd` as needed. */
  readonly bytes: Buffer | null;

  /** `memory` (from memoryFor), if the bytes are in memory, holds them in its first `length` bytes; it is given back on close. */
  constructor(
    readonly fd: number,
    readonly stats: BigIntStats,
    /** Where the bytes read from the file are counted. */
    readonly counts: CodecCounts,
    private readonly memory: Buffer | null = null,
    length = Number(stats.size),
  ) {
    this.bytes = memory ? memory.subarray(0, length) : null;
  }

  /** The version open at `fd`, its bytes read into memory if there are no more than `inMemoryMaxBytes`. */
  static opened(fd: number, inMemoryMaxBytes: number, counts: CodecCounts): FileVersion {
    const stats = fstatSync(fd, { bigint: true });
    const size = Number(stats.size);
    if (size > inMemoryMaxBytes) return new FileVersion(fd, stats, counts);
    const memory = memoryFor(size);
    const read = readInto(fd, memory, 0, size).length;
    counts.bytesRead += read;
    if (read < size) {
      giveBack(memory);
      return new FileVersion(fd, stats, counts); // shortened in place meanwhile: read as it is, and the whole-file parse decides
    }
    return new FileVersion(fd, stats, counts, memory);
  }

  get size(): number {
    return Number(this.stats.size);
  }

  /** Bytes [from, from + length), or fewer at the end; a view of the version's own bytes when it has them: never write to it. */
  read(from: number, length: number): Buffer {
    if (this.bytes) return this.bytes.subarray(from, from + length);
    const bytes = readInto(this.fd, Buffer.allocUnsafe(length), from, length);
    this.counts.bytesRead += bytes.length;
    return bytes;
  }

  /** Like read, into `buffer` (length ≤ its size) unless the bytes are in memory already. */
  readInto(buffer: Buffer, from: number, length: number): Buffer {
    if (this.bytes) return this.bytes.subarray(from, from + length);
    const bytes = readInto(this.fd, buffer, from, length);
    this.counts.bytesRead += bytes.length;
    return bytes;
  }

  /** Whether `stats` describe this very version: the same inode, untouched since it was opened or written. */
  is(stats: BigIntStats): boolean {
    const mine = this.stats;
    return stats.ino === mine.ino && stats.dev === mine.dev && stats.size === mine.size && stats.mtimeNs === mine.mtimeNs && stats.ctimeNs === mine.ctimeNs;
  }

  hold(): void {
    this.holders += 1;
  }

  release(): void {
    this.holders -= 1;
    // Closing the last descriptor of a replaced version frees its inode, which waits on the
    // file system's journal for a fraction of a millisecond: done on the thread pool, off
    // the path of the call that returns.
    if (this.holders !== 0) return; // still needed, or closed already
    close(this.fd, () => {});
    if (this.memory) giveBack(this.memory);
  }
}

interface Index {
  readonly version: FileVersion;
  readonly state: WorkflowState;
  /** False from beginChange until the state is written or found unchanged. */
  trusted: boolean;
  /** `JSON.stringify({ ...state, tasks: {} }, null, 2)`, to check the state is still what was read or written. */
  readonly head: string;
  /** The tasks in file order, and where each one's text lies. Empty: not our layout (only the identity is used). */
  readonly order: readonly Fragment[];
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** id → place in `order`, made when first needed: a task is most often where it was. */
  positions: Map<string, number> | null;
}

/** A run of bytes to copy from the indexed version. */
interface Run {
  from: number;
  to: number;
}

/** What write() will put in the file, and where each task will lie in it. */
interface Layout {
  head: string;
  pieces: (Buffer | Run)[];
  order: Fragment[];
  starts: Int32Array;
  ends: Int32Array;
  size: number;
}

export class StateFileCodec {
  private index: Index | null = null;
  readonly counts: CodecCounts = { wholeFileParses: 0, tasksParsed: 0, tasksReused: 0, tasksStringified: 0, unchangedReads: 0, bytesRead: 0 };

  /** The version the index keeps open, where the finalizer below can find it. */
  private readonly held: { version: FileVersion | null } = { version: null };

  private readonly inMemoryMaxBytes: number;

  constructor(
    private readonly file: string,
    options: StateFileCodecOptions = {},
  ) {
    this.inMemoryMaxBytes = options.inMemoryMaxBytes ?? DEFAULT_IN_MEMORY_MAX_BYTES;
    // A store dropped without close() would keep its file version open for good.
    unreleased.register(this, this.held);
  }

  /**
   * The state the file holds, null when there is no file. Throws STATE_FILE_CORRUPT
   * (through `onUnreadable`, if given) for a file that is not a valid workflow.
   */
  read(onUnreadable?: OnUnreadable): WorkflowState | null {
    const stats = statSync(this.file, { bigint: true, throwIfNoEntry: false });
    if (!stats) {
      this.setIndex(null);
      return null;
    }
    const last = this.index;
    if (last && last.version.is(stats) && (last.trusted || stillWritten(last))) {
      last.trusted = true;
      this.counts.unchangedReads += 1;
      return last.state;
    }
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.setIndex(null);
      return null;
    }
    let version: FileVersion;
    try {
      version = FileVersion.opened(fd, this.inMemoryMaxBytes, this.counts);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    try {
      const next = this.decodeIncrementally(version, last) ?? this.decodeWhole(version, onUnreadable);
      this.setIndex(next);
      return next.state;
    } catch (error) {
      version.release();
      throw error;
    }
  }

  /** A rule is about to change the state in place: until it is written, it may not match the file. */
  beginChange(): void {
    if (this.index) this.index.trusted = false;
  }

  /**
   * Writes `state` durably (temp file, fsync, rename, directory fsync) and makes it the
   * indexed version. `hooks` run right before and right after the rename (durable-write.ts).
   */
  async write(state: WorkflowState, hooks: CommitHooks = {}): Promise<void> {
    const last = this.index;
    keepTaskOrder(state.tasks); // from here rules adding tasks to this state keep it up to date
    const layout = this.layout(state, last);
    const source = last?.version;
    source?.hold(); // a read meanwhile may re-index; the runs still come from this version
    try {
      // A small file is put together in memory and written at once, and kept as the new version's bytes.
      const memory = layout.size <= this.inMemoryMaxBytes ? assemble(layout, source) : null;
      let fd: number;
      try {
        fd = await replaceFileDurably(this.file, (out) => (memory ? writeAll(out, memory.subarray(0, layout.size)) : writeLayout(out, layout, source)), hooks);
      } catch (error) {
        if (memory) giveBack(memory);
        throw error;
      }
      const version = new FileVersion(fd, fstatSync(fd, { bigint: true }), this.counts, memory, layout.size);
      this.setIndex({ version, state, trusted: true, head: layout.head, order: layout.order, starts: layout.starts, ends: layout.ends, positions: null });
    } finally {
      source?.release();
    }
  }

  /** Closes the indexed version. The codec can still be used: it reads the file afresh. */
  close(): void {
    this.setIndex(null);
  }

  private setIndex(next: Index | null): void {
    const old = this.index;
    this.index = next;
    this.held.version = next?.version ?? null;
    if (old && old.version !== next?.version) old.version.release();
  }

  /** The file's bytes as `JSON.stringify(state, null, 2) + "\n"`, copying unchanged tasks' text from `last`. */
  private layout(state: WorkflowState, last: Index | null): Layout {
    const head = JSON.stringify({ ...state, tasks: {} }, null, 2);
    const anchorAt = head.indexOf(EMPTY_TASKS);
    const ids = taskIdsOf(state);
    if (anchorAt < 0 || ids.length === 0) return plainLayout(state, head);
    const prefix = Buffer.from(`${head.slice(0, anchorAt + TASKS_ANCHOR.length)}\n`, "utf8");
    const suffix = Buffer.from(`${BLOCK_END}${head.slice(anchorAt + EMPTY_TASKS.length)}\n`, "utf8");

    const count = ids.length;
    const order = new Array<Fragment>(count);
    const starts = new Int32Array(count);
    const ends = new Int32Array(count);
    const pieces: (Buffer | Run)[] = [prefix];
    let length = prefix.length;
    // Reused tasks that lie next to each other in the old version are copied as one run.
    let run: Run | null = null;
    // This loop runs over every task on every write: what it reads of the index is held in locals.
    const tasks = state.tasks;
    const lastOrder = last?.order ?? [];
    const lastStarts = last?.starts;
    const lastEnds = last?.ends;
    for (let i = 0; i < count; i++) {
      const id = ids[i] as string;
      const task = tasks[id] as StoredTask;
      const separator = i === 0 ? 0 : SEPARATOR.length;
      // Most often the task is where it was: no lookup of its place then.
      const at = lastOrder[i]?.id === id ? i : last ? placeOf(last, id, i) : -1;
      const known = at >= 0 ? lastOrder[at] : undefined;
      if (known !== undefined && known.task === task && unchanged(known)) {
        const from = (lastStarts as Int32Array)[at] as number;
        const to = (lastEnds as Int32Array)[at] as number;
        if (run && run.to + SEPARATOR.length === from) {
          run.to = to; // the ",\n" between them is in the old version too
        } else {
          if (separator) pieces.push(SEPARATOR_BYTES);
          run = { from, to };
          pieces.push(run);
        }
        order[i] = known;
        starts[i] = length + separator;
        length += separator + (to - from);
        ends[i] = length;
        continue;
      }
      if (!isTaskObject(task)) return plainLayout(state, head); // nothing a rule makes
      run = null;
      if (separator) pieces.push(SEPARATOR_BYTES);
      const { fragment, text } = fragmentForWrite(id, task);
      const bytes = Buffer.from(text, "utf8");
      this.counts.tasksStringified += 1;
      pieces.push(bytes);
      order[i] = fragment;
      starts[i] = length + separator;
      length += separator + bytes.length;
      ends[i] = length;
    }
    pieces.push(suffix);
    return { head, pieces, order, starts, ends, size: length + suffix.length };
  }

  /** The whole-file parse, for a file in another layout and to name what is wrong with a corrupt one. */
  private decodeWhole(version: FileVersion, onUnreadable: OnUnreadable | undefined): Index {
    this.counts.wholeFileParses += 1;
    const bytes = version.read(0, version.size);
    let state: WorkflowState;
    try {
      state = parseStateFile(this.file, bytes);
    } catch (error) {
      if (onUnreadable) onUnreadable(Buffer.from(bytes), error); // a copy: the version's memory is used again once it is closed
      throw error;
    }
    const ids = Object.keys(state.tasks);
    for (const id of ids) adoptTask(state.tasks[id] as StoredTask);
    recordTaskOrder(state.tasks, ids);
    const head = JSON.stringify({ ...state, tasks: {} }, null, 2);
    const layout = this.layout(state, null);
    // In our layout the file is indexed; any other is parsed whole again when it changes.
    if (layout.order.length > 0 && layoutEquals(layout, bytes)) {
      return { version, state, trusted: true, head, order: layout.order, starts: layout.starts, ends: layout.ends, positions: null };
    }
    return { version, state, trusted: true, head, order: [], starts: new Int32Array(0), ends: new Int32Array(0), positions: null };
  }

  /**
   * The state in `version`, reusing every known task outside the zone where it
   * differs from the indexed version; null when the file is not in our layout, or
   * anything in it needs the whole-file parse.
   */
  private decodeIncrementally(version: FileVersion, last: Index | null): Index | null {
    const size = version.size;
    const headWindow = new FileWindow(version, size, 64 * 1024);
    const anchor = headWindow.find(TASKS_ANCHOR, 0);
    if (anchor < 0) return null;
    const first = anchor + TASKS_ANCHOR.length + 1; // where the first task starts
    if (headWindow.byteAt(first - 1) !== NEWLINE) return null; // "tasks": {} — the whole-file parse is cheap
    // The same inode with other stats was written in place (by hand, not by a store): the
    // indexed version's bytes are gone with it, so nothing can be compared with them.
    const sameInode = last !== null && last.version.stats.ino === version.stats.ino && last.version.stats.dev === version.stats.dev;
    const writtenInPlace = sameInode && !last.version.is(version.stats);
    const known = last && last.order.length > 0 && !writtenInPlace ? last : null;
    const blockEnd = tasksEnd(version, known); // where "\n  }" closes the tasks
    if (blockEnd < first) return null;

    // Known tasks before the first differing byte and after the last one are kept.
    const count = known?.order.length ?? 0;
    let before = 0;
    let after = 0;
    if (known) {
      const oldFirst = known.starts[0] as number;
      const oldEnd = known.ends[count - 1] as number;
      const common = Math.min(oldEnd - oldFirst, blockEnd - first);
      const prefix = commonPrefix(known.version, oldFirst, version, first, common);
      const suffix = commonSuffix(known.version, oldEnd, version, blockEnd, common - prefix);
      while (before < count && (known.ends[before] as number) - oldFirst <= prefix) before += 1;
      while (after < count - before && oldEnd - (known.starts[count - 1 - after] as number) <= suffix) after += 1;
      if (!known.trusted) {
        // A rule may have changed some of those objects since: only unchanged ones are kept.
        for (let i = 0; i < before; i++) if (!unchanged(known.order[i] as Fragment)) before = i;
        for (let i = 0; i < after; i++) if (!unchanged(known.order[count - 1 - i] as Fragment)) after = i;
      }
    }
    const shiftStart = known ? first - (known.starts[0] as number) : 0;
    const shiftEnd = known ? blockEnd - (known.ends[count - 1] as number) : 0;
    // The tasks between the kept ones are read one by one.
    const zoneEnd = known && after > 0 ? (known.starts[count - after] as number) + shiftEnd : blockEnd;
    const taskLimit = after > 0 ? zoneEnd - SEPARATOR.length : blockEnd; // a task in the zone ends by here
    const window = new FileWindow(version, taskLimit, 1024 * 1024);
    let p = known && before > 0 ? (known.ends[before - 1] as number) + shiftStart : first;
    const zone: Fragment[] = [];
    const zoneStarts: number[] = [];
    const zoneEnds: number[] = [];
    const zoneIds = new Set<string>();
    let parsed = 0;
    for (;;) {
      if (before + zone.length > 0) {
        if (after === 0 && p === blockEnd) break;
        if (!(after > 0 && p + SEPARATOR.length === zoneEnd ? separatorAt(version, p) : window.startsWith(p, SEPARATOR))) return null;
        p += SEPARATOR.length;
      }
      if (after > 0 && p === zoneEnd) break;
      if (!window.startsWith(p, FRAGMENT_START)) return null;
      const close = window.find(FRAGMENT_END, p);
      if (close < 0) return null;
      const end = close + FRAGMENT_END.length;
      const id = readKey(window, p);
      if (id === null || zoneIds.has(id)) return null;
      zoneIds.add(id);
      let fragment: Fragment | null = null;
      const place = known ? placeOf(known, id, before + zone.length) : -1;
      if (known && place >= 0) {
        // Kept at the start or the end as well: the id is there twice, and the whole-file parse decides.
        if (place < before || place >= count - after) return null;
        // A task that only moved has the same bytes.
        const candidate = known.order[place] as Fragment;
        const from = known.starts[place] as number;
        const to = known.ends[place] as number;
        if (to - from === end - p && (known.trusted || unchanged(candidate)) && window.equals(p, end, known.version.read(from, to - from))) {
          fragment = candidate;
        }
      }
      if (!fragment) {
        fragment = parseFragment(window.text(p, end), id);
        if (!fragment) return null;
        parsed += 1;
      }
      zone.push(fragment);
      zoneStarts.push(p);
      zoneEnds.push(end);
      p = end;
    }
    const state = parseHead(version, first - 1, blockEnd);
    if (!state) return null;

    // Assemble: kept start, zone, kept end. Most often the zone holds the same tasks as
    // before, changed in place, plus new ones at the end: then the known tasks object is
    // updated instead of built anew.
    const middle = count - before - after;
    let inPlace = known !== null && known.trusted && zone.length >= middle && (zone.length === middle || after === 0);
    for (let j = 0; inPlace && j < middle; j++) if ((zone[j] as Fragment).id !== (known?.order[before + j] as Fragment).id) inPlace = false;
    const total = before + zone.length + after;
    const order = new Array<Fragment>(total);
    const starts = new Int32Array(total);
    const ends = new Int32Array(total);
    for (let i = 0; i < before; i++) {
      order[i] = (known as Index).order[i] as Fragment;
      starts[i] = ((known as Index).starts[i] as number) + shiftStart;
      ends[i] = ((known as Index).ends[i] as number) + shiftStart;
    }
    for (let j = 0; j < zone.length; j++) {
      order[before + j] = zone[j] as Fragment;
      starts[before + j] = zoneStarts[j] as number;
      ends[before + j] = zoneEnds[j] as number;
    }
    for (let i = 0; i < after; i++) {
      const from = count - after + i;
      const fragment = (known as Index).order[from] as Fragment;
      if (zoneIds.has(fragment.id)) return null;
      order[before + zone.length + i] = fragment;
      starts[before + zone.length + i] = ((known as Index).starts[from] as number) + shiftEnd;
      ends[before + zone.length + i] = ((known as Index).ends[from] as number) + shiftEnd;
    }
    let tasks: Record<string, StoredTask>;
    if (inPlace && known) {
      // Safe to change in place: the known state is trusted, so no rule of ours is working on it.
      tasks = known.state.tasks;
      for (const fragment of zone) tasks[fragment.id] = fragment.task;
    } else {
      tasks = {};
      for (const fragment of order) tasks[fragment.id] = fragment.task;
    }
    state.tasks = tasks;
    recordTaskOrder(tasks, order.map((fragment) => fragment.id));
    this.counts.tasksParsed += parsed;
    this.counts.tasksReused += total - parsed;
    return { version, state, trusted: true, head: JSON.stringify({ ...state, tasks: {} }, null, 2), order, starts, ends, positions: null };
  }
}

const NEWLINE = 0x0a;

/** The whole state stringified in one piece, not indexed. */
function plainLayout(state: WorkflowState, head: string): Layout {
  const whole = Buffer.from(`${JSON.stringify(state, null, 2)}\n`, "utf8");
  return { head, pieces: [whole], order: [], starts: new Int32Array(0), ends: new Int32Array(0), size: whole.length };
}

/** Where `id` is in the index: most often at the same place as before. */
function placeOf(index: Index, id: string, guess: number): number {
  if (index.order[guess]?.id === id) return guess;
  if (!index.positions) {
    const positions = new Map<string, number>();
    index.order.forEach((fragment, i) => positions.set(fragment.id, i));
    index.positions = positions;
  }
  return index.positions.get(id) ?? -1;
}

/**
 * After a rule ran, the state still is exactly what the indexed version holds: same
 * top-level fields, same tasks in the same order, none of them changed.
 */
function stillWritten(index: Index): boolean {
  const { state, order } = index;
  if (order.length === 0) return false;
  if (JSON.stringify({ ...state, tasks: {} }, null, 2) !== index.head) return false;
  let i = 0;
  for (const id in state.tasks) {
    const fragment = order[i];
    if (!fragment || fragment.id !== id || fragment.task !== state.tasks[id] || !unchanged(fragment)) return false;
    i += 1;
  }
  return i === order.length;
}

function writeLayout(out: number, layout: Layout, source: FileVersion | undefined): void {
  for (const piece of layout.pieces) {
    if (Buffer.isBuffer(piece)) {
      writeAll(out, piece);
      continue;
    }
    if (!source) throw new Error("state file codec: a run to copy without a version to copy it from");
    for (let at = piece.from; at < piece.to; ) {
      const read = source.readInto(scratch(0), at, Math.min(CHUNK, piece.to - at));
      if (read.length === 0) throw new Error("state file codec: the indexed version ended early");
      writeAll(out, read);
      at += read.length;
    }
  }
}

/** The layout's bytes at the start of a buffer from memoryFor, the runs copied from `source`. */
function assemble(layout: Layout, source: FileVersion | undefined): Buffer {
  const whole = memoryFor(layout.size);
  let at = 0;
  for (const piece of layout.pieces) {
    const bytes = Buffer.isBuffer(piece) ? piece : source?.read(piece.from, piece.to - piece.from);
    if (!bytes) throw new Error("state file codec: a run to copy without a version to copy it from");
    at += bytes.copy(whole, at);
  }
  if (at !== layout.size) throw new Error("state file codec: the indexed version ended early");
  return whole;
}

/** Whether the layout's bytes are exactly `bytes`. */
function layoutEquals(layout: Layout, bytes: Buffer): boolean {
  if (layout.size !== bytes.length) return false;
  let at = 0;
  for (const piece of layout.pieces) {
    if (!Buffer.isBuffer(piece)) return false;
    if (bytes.compare(piece, 0, piece.length, at, at + piece.length) !== 0) return false;
    at += piece.length;
  }
  return true;
}

function separatorAt(version: FileVersion, at: number): boolean {
  return version.read(at, SEPARATOR.length).equals(SEPARATOR_BYTES);
}

/**
 * Where the "\n  }" that closes the tasks is: before the same ending as the known
 * version's (top-level fields after "tasks" included), or before a bare "\n}\n"; -1
 * if neither (the whole-file parse decides). parseHead checks the layout either way.
 */
function tasksEnd(version: FileVersion, known: Index | null): number {
  const size = version.size;
  if (known) {
    const knownEnd = known.ends[known.order.length - 1] as number;
    const tail = known.version.size - knownEnd;
    if (tail <= size && tail <= CHUNK && version.read(size - tail, tail).equals(known.version.read(knownEnd, tail))) return size - tail;
  }
  const plainTail = `${BLOCK_END}\n}\n`;
  return size >= plainTail.length && version.read(size - plainTail.length, plainTail.length).toString() === plainTail ? size - plainTail.length : -1;
}

/** The state without its tasks, from the head and tail around the tasks block; null unless in our exact layout. */
function parseHead(version: FileVersion, blockOpen: number, blockEnd: number): WorkflowState | null {
  const tailFrom = blockEnd + BLOCK_END.length;
  const text = `${version.read(0, blockOpen).toString("utf8")}}${version.read(tailFrom, version.size - tailFrom).toString("utf8")}`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  // Only our exact layout proves the anchor is the top-level "tasks" and nothing else is there.
  if (`${JSON.stringify(raw, null, 2)}\n` !== text) return null;
  const head = workflowStateSchema.safeParse(raw);
  if (!head.success || Object.keys(head.data.tasks).length > 0) return null;
  return head.data;
}

/** Reused read buffers (everything here is synchronous, so nothing else uses them meanwhile). */
const scratchBuffers: Buffer[] = [];
function scratch(which: 0 | 1): Buffer {
  scratchBuffers[which] ??= Buffer.allocUnsafeSlow(CHUNK);
  return scratchBuffers[which];
}

/** fd's bytes [from, from + length) into `buffer` (length ≤ its size); a shorter view at the end of the file. */
function readInto(fd: number, buffer: Buffer, from: number, length: number): Buffer {
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, from + done);
    if (read === 0) break;
    done += read;
  }
  return buffer.subarray(0, done);
}

/** Length of the common start of a[aFrom…] and b[bFrom…], at most `max`. */
function commonPrefix(a: FileVersion, aFrom: number, b: FileVersion, bFrom: number, max: number): number {
  let done = 0;
  while (done < max) {
    const size = Math.min(CHUNK, max - done);
    const x = a.readInto(scratch(0), aFrom + done, size);
    const y = b.readInto(scratch(1), bFrom + done, size);
    if (x.length < size || y.length < size || !x.equals(y)) return done + firstDifference(x, y);
    done += size;
  }
  return done;
}

/** Length of the common end of a[…aEnd) and b[…bEnd), at most `max`. */
function commonSuffix(a: FileVersion, aEnd: number, b: FileVersion, bEnd: number, max: number): number {
  let done = 0;
  while (done < max) {
    const size = Math.min(CHUNK, max - done);
    const x = a.readInto(scratch(0), aEnd - done - size, size);
    const y = b.readInto(scratch(1), bEnd - done - size, size);
    if (x.length < size || y.length < size || !x.equals(y)) return done + lastDifference(x, y);
    done += size;
  }
  return done;
}

/**
 * How many leading bytes `a` and `b` share. Halving with memcmp (Buffer.compare), not a
 * loop over bytes: the first difference may lie hundreds of kilobytes in, and a byte
 * loop there cost milliseconds per read of a file another process had just changed.
 */
function firstDifference(a: Buffer, b: Buffer): number {
  let same = 0; // a[0, same) equals b[0, same)
  let upTo = Math.min(a.length, b.length); // they differ before upTo, or are equal up to it
  if (a.compare(b, 0, upTo, 0, upTo) === 0) return upTo;
  while (upTo - same > 1) {
    const middle = (same + upTo) >>> 1;
    if (a.compare(b, same, middle, same, middle) === 0) same = middle;
    else upTo = middle;
  }
  return same;
}

/** How many trailing bytes `a` and `b` share (firstDifference from the end). */
function lastDifference(a: Buffer, b: Buffer): number {
  const shared = Math.min(a.length, b.length);
  const aFrom = a.length - shared;
  const bFrom = b.length - shared;
  let same = 0; // the last `same` bytes are equal
  let upTo = shared;
  if (a.compare(b, bFrom, b.length, aFrom, a.length) === 0) return shared;
  while (upTo - same > 1) {
    const middle = (same + upTo) >>> 1;
    if (a.compare(b, b.length - middle, b.length - same, a.length - middle, a.length - same) === 0) same = middle;
    else upTo = middle;
  }
  return same;
}

/** The id in `    "<id>": {`, or null for anything unusual (escapes, "__proto__": the whole-file parse decides). */
function readKey(window: FileWindow, at: number): string | null {
  const from = at + FRAGMENT_START.length;
  const close = window.find('"', from);
  if (close < 0) return null;
  if (!window.startsWith(close, '": {')) return null;
  const id = window.text(from, close);
  return id.includes("\\") || id === "__proto__" ? null : id;
}

/**
 * Part of a file, read a window at a time: enough to walk the tasks of a 50,000-task
 * file one after another without holding all of it. A version whose bytes are in
 * memory is one window, never read into.
 */
class FileWindow {
  private buffer: Buffer;
  private start = 0;
  private length = 0;
  /** Lowered to where the file ends, if it turns out shorter (shortened in place meanwhile). */
  private limit: number;

  /** Bytes of `version` before `limit` only, `size` at a time. */
  constructor(
    private readonly version: FileVersion,
    limit: number,
    size: number,
  ) {
    const bytes = version.bytes;
    this.limit = bytes ? Math.min(limit, bytes.length) : limit;
    this.buffer = bytes ? bytes.subarray(0, this.limit) : Buffer.allocUnsafe(Math.max(64, Math.min(size, limit)));
    this.length = bytes ? this.limit : 0;
  }

  byteAt(at: number): number {
    if (at < 0 || at >= this.limit) return -1;
    this.cover(at, at + 1);
    return this.buffer[at - this.start] as number;
  }

  startsWith(at: number, text: string): boolean {
    if (at < 0 || at + text.length > this.limit) return false;
    this.cover(at, at + text.length);
    for (let i = 0; i < text.length; i++) if (this.buffer[at - this.start + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  /** Where `needle` first is at or after `from`; -1 if not before the limit. [from, found + needle) is then loaded. */
  find(needle: string, from: number): number {
    for (;;) {
      if (from < this.start || from > this.start + this.length) this.load(from);
      const i = this.buffer.indexOf(needle, from - this.start);
      if (i >= 0 && i + needle.length <= this.length) return this.start + i;
      if (this.version.bytes || this.start + this.length >= this.limit) return -1;
      // Not in the window: read it again from `from`, larger if it already started there.
      if (this.start === from) this.buffer = Buffer.allocUnsafe(this.buffer.length * 2);
      this.load(from);
    }
  }

  text(from: number, to: number): string {
    this.cover(from, to);
    return this.buffer.toString("utf8", from - this.start, to - this.start);
  }

  equals(from: number, to: number, other: Buffer): boolean {
    this.cover(from, to);
    return other.length === to - from && this.buffer.compare(other, 0, other.length, from - this.start, to - this.start) === 0;
  }

  private cover(from: number, to: number): void {
    if (this.version.bytes || (from >= this.start && to <= this.start + this.length)) return;
    if (to - from > this.buffer.length) this.buffer = Buffer.allocUnsafe(to - from);
    this.load(from);
  }

  private load(at: number): void {
    if (this.version.bytes) return; // the window is the version's own bytes
    const want = Math.min(this.buffer.length, this.limit - at);
    this.start = at;
    this.length = this.version.readInto(this.buffer, at, want).length;
    // The file ended early: nothing to find past here (find() would grow its window to gigabytes).
    if (this.length < want) this.limit = at + this.length;
  }
}
