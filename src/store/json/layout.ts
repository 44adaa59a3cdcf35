/**
 * The state file's bytes and the state they hold, both ways, in the layout the store
 * writes: exactly `JSON.stringify(state, null, 2)` and a newline, where each task is one
 * stretch of bytes, `    "<id>": {` to `\n    }`, the tasks separated by `,\n`.
 *
 * Most changes touch one task of thousands, and parsing, checking and stringifying the
 * rest is what costs. So a version's bytes are kept with where each task lies in them:
 * - writing copies the bytes of every task whose object is unchanged from the previous
 *   version (kept tasks are frozen, and rules replace a task they change by a copy, see
 *   core/writable-task.ts) and stringifies the rest;
 * - reading another process's version parses and checks only the tasks whose bytes differ
 *   from the previous version's. Any file not in this layout (the Python seed's, one
 *   edited by hand) is parsed whole, which also gives every error its message.
 * Tasks are split at the first `\n    }` after their start: inside a task every line is
 * indented further, and a split in the wrong place leaves a task that does not parse.
 */
import { ZodError } from "zod";
import { defineOwn } from "../../core/define-own.js";
import { StateFileCorruptError } from "../../core/errors.js";
import { describeIssues } from "../../core/inputs.js";
import { storedTaskSchema, type StoredTask, type WorkflowState } from "../../core/schema.js";
import { recordTaskOrder, taskIdsOf } from "../../core/task-order.js";
import { checkWorkflowState } from "../../core/workflow-state-check.js";

/** Where a task's text lies in a version's bytes, and the (frozen) task it holds. */
export interface Place {
  task: StoredTask;
  start: number;
  end: number;
}

/** A version of the file: its bytes, and where each task lies in them (empty when not in the layout). */
export interface Layout {
  bytes: Buffer;
  places: Map<string, Place>;
}

const TASKS_OPEN = '\n  "tasks": {\n';
const EMPTY_TASKS = '\n  "tasks": {}';
const TASKS_CLOSE = "\n  }";
/** What stands for the tasks block when the rest of the file is parsed: a value no tasks field can have. */
const TASKS_PLACEHOLDER = '\n  "tasks": 0';
/** A key JavaScript objects keep in numeric order, ahead of all others (an array index). */
const ARRAY_INDEX = /^(0|[1-9]\d{0,9})$/;
const TASK_START = '    "';
const KEY_END = '": {\n';
const TASK_END = "\n    }";
// Searched for as bytes: a string needle is encoded again on every search.
const TASKS_OPEN_BYTES = Buffer.from(TASKS_OPEN);
const KEY_END_BYTES = Buffer.from(KEY_END);
const TASK_END_BYTES = Buffer.from(TASK_END);
const SEPARATOR = Buffer.from(",\n");

/** A version of the file as read or written: its layout and the state it holds. */
export interface Version {
  layout: Layout;
  state: WorkflowState;
}

/**
 * The state and its layout read from `bytes`; STATE_FILE_CORRUPT, naming the file, if they
 * are not a workflow. `previous` is used up: its objects may be reused.
 */
export function readLayout(file: string, bytes: Buffer, previous: Version | null): Version {
  return readIndexed(file, bytes, previous) ?? { state: parseWhole(file, bytes), layout: { bytes, places: new Map() } };
}

/**
 * The bytes of `state`, reusing those of its unchanged tasks from `previous`, and where
 * each task lies in them. `previous` is used up: its places are moved to the new bytes
 * (building a new index for every write cost more than the rest of it). `written` lists
 * the tasks stringified afresh, with their places; `outline` is the state without its tasks.
 */
export function writeLayout(state: WorkflowState, previous: Layout | null, memory: Buffer | null): { layout: Layout; written: [string, Place][]; outline: string } {
  const outline = JSON.stringify({ ...state, tasks: {} }, null, 2);
  const at = outline.indexOf(EMPTY_TASKS); // the only line indented two spaces that names "tasks"
  const ids = taskIdsOf(state);
  const places = previous?.places ?? new Map<string, Place>();
  const tail = Buffer.from(ids.length === 0 ? `${outline}\n` : `${TASKS_CLOSE}${outline.slice(at + EMPTY_TASKS.length)}\n`);
  const pieces: Buffer[] = ids.length === 0 ? [] : [Buffer.from(outline.slice(0, at) + TASKS_OPEN)];
  const written: [string, Place][] = [];
  let length = pieces[0]?.length ?? 0;
  // A run of unchanged tasks lying one after the other in the previous bytes is copied as one piece.
  let runStart = -1;
  let runEnd = -1;
  let runAt = -1;
  const flush = (): void => {
    if (runStart < 0 || previous === null) return;
    pieces.push(previous.bytes.subarray(runStart, runEnd));
    length += runEnd - runStart;
    runStart = -1;
  };
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as string;
    const task = state.tasks[id] as StoredTask;
    const place = places.get(id);
    if (place !== undefined && place.task === task) {
      if (runStart < 0 || place.start !== runEnd + SEPARATOR.length) {
        flush();
        if (index > 0) pieces.push(SEPARATOR);
        if (index > 0) length += SEPARATOR.length;
        runStart = place.start;
        runAt = length;
      }
      runEnd = place.end;
      place.end = runAt + place.end - runStart;
      place.start = runAt + place.start - runStart;
      continue;
    }
    flush();
    if (index > 0) {
      pieces.push(SEPARATOR);
      length += SEPARATOR.length;
    }
    const text = Buffer.from(taskText(id, task));
    const fresh = { task, start: length, end: length + text.length };
    pieces.push(text);
    places.set(id, fresh);
    written.push([id, fresh]);
    length += text.length;
  }
  flush();
  pieces.push(tail);
  const bytes = memoryFor(length + tail.length, memory);
  let offset = 0;
  for (const piece of pieces) offset += piece.copy(bytes, offset);
  return { layout: { bytes, places }, written, outline };
}

/**
 * `size` bytes of `memory` when it has room, else of a new buffer with some to spare: the
 * store reuses the memory of the version before last, since writing into fresh memory
 * costs a page fault for every 4 KB, about as much as the copy itself.
 */
export function memoryFor(size: number, memory: Buffer | null): Buffer {
  if (memory !== null && memory.buffer.byteLength >= size) return Buffer.from(memory.buffer, memory.byteOffset, size);
  return Buffer.allocUnsafeSlow(size + (size >> 3) + 4096).subarray(0, size);
}

/** The task whose text lies at `place` in `bytes`, parsed (not checked: it was just written from a task). */
export function taskAt(bytes: Buffer, place: Place): StoredTask {
  const text = bytes.toString("utf8", place.start, place.end);
  return JSON.parse(text.slice(valueStart(text))) as StoredTask;
}

/**
 * The file read in the layout, reusing every task whose bytes are those of `previous`;
 * null if it is not in the layout. Tasks are compared with the task at the same place in
 * `previous` first, so an unchanged task costs a search for its end and a memcmp; when the
 * ids run in the same order (tasks changed in place, or added at the end), the previous tasks object
 * and places are updated rather than built again.
 */
function readIndexed(file: string, bytes: Buffer, previous: Version | null): Version | null {
  const open = bytes.indexOf(TASKS_OPEN_BYTES);
  if (open < 0) return null;
  const before = previous === null ? [] : taskIdsOf(previous.state);
  const kept = previous?.layout ?? null;
  const ids: string[] = [];
  const found: StoredTask[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const added = new Set<string>();
  /** Whether the ids are those of `previous`, in its order, then new ones. */
  let inOrder = previous !== null;
  let start = open + TASKS_OPEN.length;
  let close: number;
  for (let index = 0; ; index++) {
    if (!startsWith(bytes, TASK_START, start)) return null;
    const last = bytes.indexOf(TASK_END_BYTES, start);
    if (last < 0) return null;
    const end = last + TASK_END.length;
    let id = before[index];
    let task = id === undefined ? undefined : sameTask(kept, id, bytes, start, end);
    if (task === undefined) {
      // The key ends at the first `": {` and a line break: a JSON string holds no raw line break.
      const keyEnd = bytes.indexOf(KEY_END_BYTES, start + TASK_START.length);
      const key = keyEnd < 0 || keyEnd > end ? undefined : keyAt(bytes, start + TASK_START.length, keyEnd);
      // One like "10", which JSON.parse puts first: its rules decide, so it reads the file whole.
      if (key === undefined || ARRAY_INDEX.test(key)) return null;
      if (index < before.length ? key !== id : previous === null || Object.hasOwn(previous.state.tasks, key) || added.has(key)) inOrder = false;
      if (index >= before.length) added.add(key);
      id = key;
      task = sameTask(kept, id, bytes, start, end);
      if (task === undefined) {
        let json: unknown;
        try {
          json = JSON.parse(bytes.toString("utf8", keyEnd + KEY_END.length - 2, end));
        } catch {
          return null; // not split where this layout splits: the whole-file parse says what is wrong
        }
        task = checkTask(file, id, json);
      }
    }
    ids.push(id as string); // read above whenever it was not the one at this place before
    found.push(task);
    starts.push(start);
    ends.push(end);
    if (startsWith(bytes, ",\n", end)) {
      start = end + 2;
      continue;
    }
    if (!startsWith(bytes, TASKS_CLOSE, end)) return null;
    close = end + TASKS_CLOSE.length;
    break;
  }
  if (ids.length < before.length) inOrder = false;
  // An id twice: JSON.parse's rules decide which one counts, so it reads the file whole.
  if (!inOrder && new Set(ids).size !== ids.length) return null;
  let header: unknown;
  try {
    header = JSON.parse(`${bytes.toString("utf8", 0, open)}${TASKS_PLACEHOLDER}${bytes.toString("utf8", close)}`);
  } catch {
    return null;
  }
  // The tasks block must be the top-level "tasks" field, and the only one: else JSON.parse reads the file.
  if (!isPlainObject(header) || header.tasks !== 0) return null;
  header.tasks = {};
  const checked = checkWorkflowState(header);
  if (!checked.success) throw new StateFileCorruptError(file, `not a workflow state: ${describeIssues(checked.error)}`);

  const reuse = inOrder && previous !== null;
  const tasks = reuse ? previous.state.tasks : (Object.create(null) as WorkflowState["tasks"]);
  const places = reuse ? previous.layout.places : new Map<string, Place>();
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as string;
    const task = found[index] as StoredTask;
    if (tasks[id] !== task) defineOwn(tasks, id, task);
    const place = places.get(id);
    if (place === undefined) places.set(id, { task, start: starts[index] as number, end: ends[index] as number });
    else {
      place.task = task;
      place.start = starts[index] as number;
      place.end = ends[index] as number;
    }
  }
  recordTaskOrder(tasks, ids);
  return { state: withTasks(header, tasks), layout: { bytes, places } };
}

/** The task `previous` kept under `id`, if its bytes are exactly those from `start` to `end`. */
function sameTask(previous: Layout | null, id: string, bytes: Buffer, start: number, end: number): StoredTask | undefined {
  const place = previous?.places.get(id);
  if (place === undefined || place.end - place.start !== end - start) return undefined;
  return bytes.compare((previous as Layout).bytes, place.start, place.end, start, end) === 0 ? place.task : undefined;
}

/** The whole file through JSON.parse: any layout, and the error messages for corrupt files. */
export function parseWhole(file: string, bytes: Buffer): WorkflowState {
  if (bytes.length === 0) throw new StateFileCorruptError(file, "the file is empty");
  const text = bytes.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StateFileCorruptError(file, describeJsonError(error, text));
  }
  const checked = checkWorkflowState(json);
  if (!checked.success) throw new StateFileCorruptError(file, `not a workflow state: ${describeIssues(checked.error)}`);
  const tasks = Object.create(null) as WorkflowState["tasks"];
  const ids = Object.keys(checked.data.tasks);
  for (const id of ids) defineTask(tasks, id, Object.freeze(checked.data.tasks[id] as StoredTask));
  recordTaskOrder(tasks, ids);
  return withTasks(checked.data, tasks);
}

/** `state` with `tasks` in the place of its tasks; its fields keep their order. */
function withTasks(state: Record<string, unknown>, tasks: WorkflowState["tasks"]): WorkflowState {
  const copy = {} as WorkflowState;
  for (const key of Object.keys(state)) defineOwn(copy, key, key === "tasks" ? tasks : state[key]);
  return copy;
}

/** A task as the file holds it, checked, frozen: the parsed object itself, not zod's copy, which would lose a "__proto__" field and the file's order. */
function checkTask(file: string, id: string, json: unknown): StoredTask {
  const valid = storedTaskSchema.safeParse(json);
  if (!valid.success) {
    const issues = valid.error.issues.map((issue) => ({ ...issue, path: ["tasks", id, ...issue.path] }));
    throw new StateFileCorruptError(file, `not a workflow state: ${describeIssues(new ZodError(issues))}`);
  }
  return Object.freeze(json as StoredTask);
}

/** Adds a task under any id, "__proto__" included: `tasks` has no prototype, so no key is special. */
function defineTask(tasks: WorkflowState["tasks"], id: string, task: StoredTask): void {
  tasks[id] = task;
}

/** `    "<id>": {…}`, as JSON.stringify(state, null, 2) lays out a task. */
function taskText(id: string, task: StoredTask): string {
  return `    ${JSON.stringify(id)}: ${JSON.stringify(task, null, 2).replaceAll("\n", "\n    ")}`;
}

/** Where the value begins in `    "<id>": {…}`: after the key's closing quote and ": "; -1 if not there. */
function valueStart(text: string): number {
  // The key is a JSON string from index 4: find its closing quote, stepping over escapes.
  for (let at = 5; at < text.length; at++) {
    const char = text[at];
    if (char === "\\") at++;
    else if (char === '"') return text.startsWith(": {", at + 1) ? at + 3 : -1;
  }
  return -1;
}

/** The id whose JSON text (without its quotes) lies between `from` and `to`; undefined if it is not a JSON string. */
function keyAt(bytes: Buffer, from: number, to: number): string | undefined {
  const raw = bytes.toString("utf8", from, to);
  if (!/[\\"\p{Cc}]/u.test(raw)) return raw; // else JSON.parse decides: escapes, and raw control characters (not JSON)
  try {
    const key: unknown = JSON.parse(`"${raw}"`);
    return typeof key === "string" ? key : undefined;
  } catch {
    return undefined;
  }
}

function startsWith(bytes: Buffer, text: string, at: number): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Where JSON.parse stopped, as line and column; never the bytes, which may be anything. */
function describeJsonError(error: unknown, text: string): string {
  const message = (error as Error).message;
  if (message.includes("end of JSON input")) return "not valid JSON: it ends too early";
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return "not valid JSON";
  const before = text.slice(0, Number(position));
  return `not valid JSON at line ${before.split("\n").length}, column ${before.length - before.lastIndexOf("\n")}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
