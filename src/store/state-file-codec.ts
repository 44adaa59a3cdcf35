/**
 * Reads and writes one workflow's state file without redoing, on every call, the
 * work that did not change since the last one: most calls change one task of
 * thousands, yet parsing, validating and stringifying the whole file is what costs.
 *
 * The codec keeps an index of the file as last read or written: its bytes, and for
 * every task where its text lies in them, the validated task object, and a snapshot
 * of the object's top-level fields (the nested values are deep-frozen, see
 * frozen-json.ts, so their identity stands for their content).
 *
 * - encode(state) gives exactly `JSON.stringify(state, null, 2) + "\n"`, copying the
 *   bytes of every task whose object is unchanged since its bytes were made.
 * - decode(bytes) gives the state parseStateFile would give (the same JSON values),
 *   or throws its STATE_FILE_CORRUPT. Where the bytes differ from the indexed ones
 *   (found by comparing the two files from both ends), each task is parsed and
 *   validated; every task outside that zone is byte-for-byte one already validated.
 *   The rest of the file is parsed and validated each time. A file not laid out as
 *   encode writes it (by hand, by the Python seed) is parsed whole, as before.
 *
 * A state handed to a rule may be changed in place, so from beginChange() on it is
 * not trusted to match the bytes until it is written (commit) or checked again.
 */
import { type ZodType } from "zod";
import { workflowStateSchema, type StoredTask, type WorkflowState } from "../core/schema.js";
import { adoptInPlace, frozenCopy, isFrozenJson } from "./frozen-json.js";
import { parseStateFile } from "./parse-state-file.js";

/** One task as its bytes were made. Never changed once made; offsets live in the Index. */
interface Fragment {
  readonly id: string;
  readonly task: StoredTask;
  /** The task's own keys and top-level values then; null: its bytes are never reused for a write. */
  readonly keys: readonly string[] | null;
  readonly values: readonly unknown[];
}

interface Index {
  /** The file's content, as last read or written. */
  readonly bytes: Buffer;
  /** The state it holds; changed in place by a rule after beginChange until trusted again. */
  readonly state: WorkflowState;
  trusted: boolean;
  /** `JSON.stringify({ ...state, tasks: {} }, null, 2)`, to check the state is still what was written. */
  readonly head: string;
  /** The tasks in file order, and where each one's `    "<id>": {…}` lies in the bytes. Empty: not our layout. */
  readonly order: readonly Fragment[];
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** id → place in `order`. */
  readonly positions: Map<string, number>;
}

export interface Encoded {
  bytes: Buffer;
  /** Call once the bytes are durably in the file: they and the state become the reference. */
  commit(): void;
}

/** What the codec did so far, for tests and the benchmark. */
export interface CodecCounts {
  /** Files read whole: files not in our layout, and corrupt ones. */
  wholeFileParses: number;
  /** Tasks parsed and validated one by one. */
  tasksParsed: number;
  /** Tasks taken over from the last read or write without parsing. */
  tasksReused: number;
  /** Tasks stringified for a write. */
  tasksStringified: number;
}

const TASKS_ANCHOR = '\n  "tasks": {';
const EMPTY_TASKS = '\n  "tasks": {}';
const TASK_END = "\n    }";
const BLOCK_END = "\n  }";
const FRAGMENT_START = '    "';
const SEPARATOR = Buffer.from(",\n");
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Bytes compared at a time when looking for where two files start to differ. */
const DIFF_CHUNK = 16 * 1024;

/** The schema of one task, taken from the state's schema so that the two never differ. */
const storedTaskSchema = (workflowStateSchema.shape.tasks as unknown as { valueType: ZodType<StoredTask> }).valueType;

export class StateFileCodec {
  private index: Index | null = null;
  readonly counts: CodecCounts = { wholeFileParses: 0, tasksParsed: 0, tasksReused: 0, tasksStringified: 0 };

  constructor(private readonly file: string) {}

  /** A rule is about to change the state in place: until it is written, it may not match the bytes. */
  beginChange(): void {
    if (this.index) this.index.trusted = false;
  }

  decode(bytes: Buffer): WorkflowState {
    const last = this.index;
    if (last && last.bytes.equals(bytes) && (last.trusted || stillWritten(last))) {
      last.trusted = true;
      return last.state;
    }
    const next = this.decodeIncrementally(bytes, last);
    if (next) {
      this.index = next;
      return next.state;
    }
    this.counts.wholeFileParses += 1;
    const state = parseStateFile(this.file, bytes);
    for (const task of Object.values(state.tasks)) adoptTask(task);
    const encoded = this.encodeWith(state, null);
    // In our layout the encoding indexes the file; any other layout is parsed whole again when it changes.
    this.index = encoded.bytes.equals(bytes) ? encoded.index : plainIndex(bytes, state);
    return state;
  }

  encode(state: WorkflowState): Encoded {
    const against = this.index;
    const { bytes, index, appendedFrom } = this.encodeWith(state, against);
    return {
      bytes,
      commit: () => {
        // The id → place map of the index encoded against is extended only now, and only if it is
        // still current: a read in between may have re-indexed, and then it is rebuilt.
        const positions =
          appendedFrom >= 0 && this.index === against ? extendPositions(index.positions, index.order, appendedFrom) : appendedFrom >= 0 ? positionsOf(index.order) : index.positions;
        this.index = { ...index, positions };
      },
    };
  }

  /** `appendedFrom` ≥ 0: the index reuses the old id → place map, which must be extended from there on commit. */
  private encodeWith(state: WorkflowState, last: Index | null): { bytes: Buffer; index: Index; appendedFrom: number } {
    const head = JSON.stringify({ ...state, tasks: {} }, null, 2);
    const anchorAt = head.indexOf(EMPTY_TASKS);
    const ids = Object.keys(state.tasks);
    if (anchorAt < 0 || ids.length === 0 || !ids.every((id) => isTaskObject(state.tasks[id]))) {
      const bytes = Buffer.from(`${JSON.stringify(state, null, 2)}\n`, "utf8");
      return { bytes, index: plainIndex(bytes, state), appendedFrom: -1 };
    }
    const prefix = Buffer.from(`${head.slice(0, anchorAt + TASKS_ANCHOR.length)}\n`, "utf8");
    const suffix = Buffer.from(`${BLOCK_END}${head.slice(anchorAt + EMPTY_TASKS.length)}\n`, "utf8");

    const count = ids.length;
    const order = new Array<Fragment>(count);
    const starts = new Int32Array(count);
    const ends = new Int32Array(count);
    const pieces: Buffer[] = [prefix];
    let length = prefix.length;
    // Reused tasks that lie next to each other in the old bytes are copied as one piece.
    let runStart = -1;
    let runEnd = -1;
    // Every known task at its old place, new ones after them: the id → place map stays right.
    let samePlaces = last !== null;
    const knownCount = last?.order.length ?? 0;
    for (let i = 0; i < count; i++) {
      const id = ids[i] as string;
      const task = state.tasks[id] as StoredTask;
      const separator = i === 0 ? 0 : SEPARATOR.length;
      const at = last ? placeOf(last, id, i) : -1;
      if (at !== (i < knownCount ? i : -1)) samePlaces = false;
      const known = at >= 0 ? (last as Index).order[at] : undefined;
      if (known && known.task === task && unchanged(known)) {
        const oldStart = (last as Index).starts[at] as number;
        const oldEnd = (last as Index).ends[at] as number;
        if (runStart >= 0 && runEnd + SEPARATOR.length === oldStart) {
          runEnd = oldEnd; // the ",\n" between them is in the old bytes too
        } else {
          if (runStart >= 0) pieces.push((last as Index).bytes.subarray(runStart, runEnd));
          if (separator) pieces.push(SEPARATOR);
          runStart = oldStart;
          runEnd = oldEnd;
        }
        order[i] = known;
        starts[i] = length + separator;
        length += separator + (oldEnd - oldStart);
        ends[i] = length;
        continue;
      }
      if (runStart >= 0) pieces.push((last as Index).bytes.subarray(runStart, runEnd));
      runStart = -1;
      if (separator) pieces.push(SEPARATOR);
      const snapshot = snapshotForWrite(task);
      const text = Buffer.from(fragmentText(id, task), "utf8");
      this.counts.tasksStringified += 1;
      pieces.push(text);
      order[i] = { id, task, ...snapshot };
      starts[i] = length + separator;
      length += separator + text.length;
      ends[i] = length;
    }
    if (runStart >= 0) pieces.push((last as Index).bytes.subarray(runStart, runEnd));
    pieces.push(suffix);
    const bytes = Buffer.concat(pieces, length + suffix.length);
    // Tasks only appended (the common case): the old id → place map stays right, with the new ones added.
    const reuse = last !== null && samePlaces && last.order.length > 0 && last.order.length <= count && last.positions.size === last.order.length;
    const positions = reuse ? last.positions : positionsOf(order);
    return { bytes, index: { bytes, state, trusted: true, head, order, starts, ends, positions }, appendedFrom: reuse ? last.order.length : -1 };
  }

  /**
   * The state in `bytes`, reusing every task outside the zone where they differ from
   * the indexed bytes; null when the file is not in our layout, or anything in it
   * needs the whole-file parse (which also gives the exact error for a corrupt file).
   */
  private decodeIncrementally(bytes: Buffer, last: Index | null): Index | null {
    const anchor = bytes.indexOf(TASKS_ANCHOR);
    if (anchor < 0) return null;
    const first = anchor + TASKS_ANCHOR.length + 1; // where the first task starts
    if (bytes[first - 1] !== NEWLINE) return null; // "tasks": {} — the whole-file parse is cheap
    const known = last && last.order.length > 0 ? last : null;
    const blockEnd = tasksEnd(bytes, known); // where "\n  }" closes the tasks
    if (blockEnd < first) return null;

    // Known tasks before the first differing byte and after the last one are kept as they are.
    let before = 0;
    let after = 0;
    if (known) {
      const count = known.order.length;
      const oldFirst = known.starts[0] as number;
      const oldEnd = known.ends[count - 1] as number;
      const common = Math.min(oldEnd - oldFirst, blockEnd - first);
      const prefix = commonPrefix(known.bytes, oldFirst, bytes, first, common);
      const suffix = commonSuffix(known.bytes, oldEnd, bytes, blockEnd, common - prefix);
      while (before < count && (known.ends[before] as number) - oldFirst <= prefix) before += 1;
      while (after < count - before && oldEnd - (known.starts[count - 1 - after] as number) <= suffix) after += 1;
      if (!known.trusted) {
        // A rule may have changed some of those objects since: only unchanged ones are kept.
        for (let i = 0; i < before; i++) if (!unchanged(known.order[i] as Fragment)) before = i;
        for (let i = 0; i < after; i++) if (!unchanged(known.order[count - 1 - i] as Fragment)) after = i;
      }
    }
    const count = known?.order.length ?? 0;
    const shiftStart = known ? first - (known.starts[0] as number) : 0;
    const shiftEnd = known ? blockEnd - (known.ends[count - 1] as number) : 0;
    let p = known && before > 0 ? (known.ends[before - 1] as number) + shiftStart : first;
    // Where the kept tasks at the end start; the tasks in between are read one by one.
    const zoneEnd = known && after > 0 ? (known.starts[count - after] as number) + shiftEnd : blockEnd;
    const taskLimit = after > 0 ? zoneEnd - SEPARATOR.length : blockEnd; // a task in the zone ends by here
    const zone: Fragment[] = [];
    const zoneStarts: number[] = [];
    const zoneEnds: number[] = [];
    const zoneIds = new Set<string>();
    let parsed = 0;
    for (;;) {
      if (before + zone.length > 0) {
        if (after === 0 && p === blockEnd) break;
        if (bytes[p] !== COMMA || bytes[p + 1] !== NEWLINE) return null;
        p += SEPARATOR.length;
      }
      if (after > 0 && p === zoneEnd) break;
      const end = fragmentEnd(bytes, p);
      if (end < 0 || end > taskLimit) return null;
      const id = readKey(bytes, p);
      if (id === null || zoneIds.has(id)) return null;
      zoneIds.add(id);
      let fragment: Fragment | null = null;
      const place = known?.positions.get(id);
      if (known && place !== undefined && place < count) {
        // Kept at the start or the end as well: the id is there twice, and the whole-file parse decides.
        if (place < before || place >= count - after) return null;
        // A task that only moved has the same bytes.
        const candidate = known.order[place] as Fragment;
        if (sameBytes(bytes, p, known.bytes, known.starts[place] as number, known.ends[place] as number) && (known.trusted || unchanged(candidate))) {
          fragment = candidate;
        }
      }
      if (!fragment) {
        fragment = parseFragment(bytes, p, end, id);
        if (!fragment) return null;
        parsed += 1;
      }
      zone.push(fragment);
      zoneStarts.push(p);
      zoneEnds.push(end);
      p = end;
    }
    const state = parseHead(bytes, first - 1, blockEnd);
    if (!state) return null;

    // Assemble: kept start, zone, kept end. Most often the zone holds the same tasks as
    // before, changed in place, plus new ones at the end: then the known arrays, the
    // tasks object and the id → place map are updated instead of built anew.
    const middle = count - before - after;
    let inPlace = known !== null && known.trusted && zone.length >= middle && (zone.length === middle || after === 0);
    for (let j = 0; inPlace && j < middle; j++) if ((zone[j] as Fragment).id !== (known?.order[before + j] as Fragment).id) inPlace = false;
    const total = before + zone.length + after;
    const order: Fragment[] = new Array<Fragment>(total);
    const starts = new Int32Array(total);
    const ends = new Int32Array(total);
    for (let i = 0; i < before; i++) {
      order[i] = (known as Index).order[i] as Fragment;
      starts[i] = ((known as Index).starts[i] as number) + shiftStart;
      ends[i] = ((known as Index).ends[i] as number) + shiftStart;
    }
    for (let j = 0; j < zone.length; j++) {
      const fragment = zone[j] as Fragment;
      order[before + j] = fragment;
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
    let positions: Map<string, number>;
    if (inPlace && known) {
      // Safe to change in place: the known state is trusted, so no rule of ours is working on it.
      tasks = known.state.tasks;
      for (let j = 0; j < zone.length; j++) tasks[(zone[j] as Fragment).id] = (zone[j] as Fragment).task;
      positions = known.positions.size === count ? extendPositions(known.positions, order, count) : positionsOf(order);
    } else {
      tasks = {};
      for (const fragment of order) tasks[fragment.id] = fragment.task;
      positions = positionsOf(order);
    }
    state.tasks = tasks;
    this.counts.tasksParsed += parsed;
    this.counts.tasksReused += total - parsed;
    return { bytes, state, trusted: true, head: JSON.stringify({ ...state, tasks: {} }, null, 2), order, starts, ends, positions };
  }
}

function plainIndex(bytes: Buffer, state: WorkflowState): Index {
  const none = new Int32Array(0);
  return { bytes, state, trusted: true, head: JSON.stringify({ ...state, tasks: {} }, null, 2), order: [], starts: none, ends: none, positions: new Map() };
}

function positionsOf(order: readonly Fragment[]): Map<string, number> {
  const positions = new Map<string, number>();
  order.forEach((fragment, i) => positions.set(fragment.id, i));
  return positions;
}

function extendPositions(positions: Map<string, number>, order: readonly Fragment[], from: number): Map<string, number> {
  for (let i = from; i < order.length; i++) positions.set((order[i] as Fragment).id, i);
  return positions;
}

/** Where `id` is in the index: most often at the same place as before. */
function placeOf(index: Index, id: string, guess: number): number {
  if (index.order[guess]?.id === id) return guess;
  return index.positions.get(id) ?? -1;
}

/**
 * After a rule ran, the state still is exactly what the indexed bytes hold: same
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

/**
 * Where the "\n  }" that closes the tasks is: before the same ending as the known
 * file's (top-level fields after "tasks" included), or before a bare "\n}\n"; -1 if
 * neither (the whole-file parse decides). parseHead checks the layout either way.
 */
function tasksEnd(bytes: Buffer, known: Index | null): number {
  if (known) {
    const knownEnd = known.ends[known.order.length - 1] as number;
    const tail = known.bytes.length - knownEnd;
    if (tail <= bytes.length && bytes.compare(known.bytes, knownEnd, known.bytes.length, bytes.length - tail) === 0) return bytes.length - tail;
  }
  const plainTail = `${BLOCK_END}\n}\n`;
  return startsWith(bytes, bytes.length - plainTail.length, plainTail) ? bytes.length - plainTail.length : -1;
}

/** The state without its tasks, from the head and tail around the tasks block; null unless in our exact layout. */
function parseHead(bytes: Buffer, blockOpen: number, blockEnd: number): WorkflowState | null {
  const text = `${bytes.toString("utf8", 0, blockOpen)}}${bytes.toString("utf8", blockEnd + BLOCK_END.length)}`;
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

/** Length of the common start of a[aFrom…] and b[bFrom…], at most `max`. */
function commonPrefix(a: Buffer, aFrom: number, b: Buffer, bFrom: number, max: number): number {
  let done = 0;
  while (done < max) {
    const size = Math.min(DIFF_CHUNK, max - done);
    if (a.compare(b, bFrom + done, bFrom + done + size, aFrom + done, aFrom + done + size) !== 0) {
      let i = 0;
      while (i < size && a[aFrom + done + i] === b[bFrom + done + i]) i++;
      return done + i;
    }
    done += size;
  }
  return done;
}

/** Length of the common end of a[…aEnd) and b[…bEnd), at most `max`. */
function commonSuffix(a: Buffer, aEnd: number, b: Buffer, bEnd: number, max: number): number {
  let done = 0;
  while (done < max) {
    const size = Math.min(DIFF_CHUNK, max - done);
    if (a.compare(b, bEnd - done - size, bEnd - done, aEnd - done - size, aEnd - done) !== 0) {
      let i = 0;
      while (i < size && a[aEnd - done - 1 - i] === b[bEnd - done - 1 - i]) i++;
      return done + i;
    }
    done += size;
  }
  return done;
}

function isTaskObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep-freezes the nested values of a task this process just parsed (they are ours alone). */
function adoptTask(task: StoredTask): void {
  for (const key in task) {
    const value = (task as Record<string, unknown>)[key];
    if (typeof value === "object" && value !== null) adoptInPlace(value);
  }
}

const NEVER_REUSE: Pick<Fragment, "keys" | "values"> = { keys: null, values: [] };
/** Key lists are shared between tasks of the same shape. */
const keyLists = new Map<string, readonly string[]>();

function snapshotOf(task: StoredTask): Pick<Fragment, "keys" | "values"> {
  const keys = Object.keys(task);
  const values: unknown[] = [];
  for (const key of keys) {
    const value = (task as Record<string, unknown>)[key];
    if (typeof value === "object" ? value !== null && !isFrozenJson(value) : typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      return NEVER_REUSE;
    }
    values.push(value);
  }
  const shape = keys.join("\n");
  let shared = keyLists.get(shape);
  if (!shared) {
    shared = Object.freeze(keys);
    if (keyLists.size < 1000) keyLists.set(shape, shared);
  }
  return { keys: shared, values };
}

/**
 * Before a changed task is written: nested values the codec does not own yet (new
 * from a rule or a caller) are replaced by deep-frozen copies, equal as JSON, so
 * that their identity tells later whether they changed.
 */
function snapshotForWrite(task: StoredTask): Pick<Fragment, "keys" | "values"> {
  for (const key of Object.keys(task)) {
    const value = (task as Record<string, unknown>)[key];
    if (typeof value !== "object" || value === null || isFrozenJson(value)) continue;
    const copy = frozenCopy(value);
    if (copy === undefined) return NEVER_REUSE;
    (task as Record<string, unknown>)[key] = copy;
  }
  return snapshotOf(task);
}

/** The task object is as it was when its bytes were made: same keys, same values (nested ones are frozen). */
function unchanged(fragment: Fragment): boolean {
  const { keys, values, task } = fragment;
  if (keys === null) return false;
  let i = 0;
  for (const key in task) {
    if (key !== keys[i] || (task as Record<string, unknown>)[key] !== values[i]) return false;
    i += 1;
  }
  return i === keys.length;
}

function fragmentText(id: string, task: StoredTask): string {
  return `${FRAGMENT_START}${JSON.stringify(id).slice(1)}: ${JSON.stringify(task, null, 2).replaceAll("\n", "\n    ")}`;
}

function sameBytes(a: Buffer, aStart: number, b: Buffer, bStart: number, bEnd: number): boolean {
  const size = bEnd - bStart;
  return aStart + size <= a.length && a.compare(b, bStart, bEnd, aStart, aStart + size) === 0;
}

function startsWith(bytes: Buffer, at: number, text: string): boolean {
  if (at < 0 || at + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** End of the task starting at `at` (after its closing brace), or -1. */
function fragmentEnd(bytes: Buffer, at: number): number {
  if (!startsWith(bytes, at, FRAGMENT_START)) return -1;
  const close = bytes.indexOf(TASK_END, at);
  return close < 0 ? -1 : close + TASK_END.length;
}

/** The id in `    "<id>": {`, or null for anything unusual (escapes, "__proto__": the whole-file parse decides). */
function readKey(bytes: Buffer, at: number): string | null {
  const from = at + FRAGMENT_START.length;
  const close = bytes.indexOf(QUOTE, from);
  if (close < 0) return null;
  for (let i = from; i < close; i++) if (bytes[i] === BACKSLASH) return null;
  if (!startsWith(bytes, close, '": {')) return null;
  const id = bytes.toString("utf8", from, close);
  return id === "__proto__" ? null : id;
}

/**
 * One task's text parsed and validated, or null if it is not a valid task (the
 * whole-file parse then reports it). Its bytes may stand for it later only if they
 * are exactly what encode writes for the validated object: the schema puts known
 * fields first, so a task that gained a field since may differ, and is then
 * stringified afresh on the next write.
 */
function parseFragment(bytes: Buffer, start: number, end: number, id: string): Fragment | null {
  const text = bytes.toString("utf8", start, end);
  let raw: unknown;
  try {
    raw = JSON.parse(`{${text}}`);
  } catch {
    return null;
  }
  const keys = Object.keys(raw as object);
  if (keys.length !== 1 || keys[0] !== id) return null;
  const parsed = storedTaskSchema.safeParse((raw as Record<string, unknown>)[id]);
  if (!parsed.success) return null;
  const task = parsed.data;
  adoptTask(task);
  return { id, task, ...(fragmentText(id, task) === text ? snapshotOf(task) : NEVER_REUSE) };
}
