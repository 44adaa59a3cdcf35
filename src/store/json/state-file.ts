/**
 * One workflow's state file: read and checked, and written in the seed's layout,
 * exactly `JSON.stringify(state, null, 2)` and a newline.
 *
 * The file is the truth. What is kept between calls only saves redoing work:
 * - the version last read or written, parsed, for as long as the path names it. Its
 *   descriptor stays open, so its inode cannot be reused: the same inode, size, mtime
 *   and ctime then means the same bytes, and a call reads nothing;
 * - each task's text as last written, reused while the task is the same object. Kept
 *   tasks are frozen, and rules replace a frozen task by a changed copy (writableTask),
 *   so the same object means the same text.
 * The kept objects are this module's alone: what a write stored is parsed back from the
 * text written, and the store copies what it returns.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type BigIntStats } from "node:fs";
import type { ZodError } from "zod";
import { InvalidInputError, StateFileCorruptError } from "../../core/errors.js";
import { describeIssues } from "../../core/inputs.js";
import { storedTaskSchema, workflowMetadataSchema, type StoredTask, type WorkflowState } from "../../core/schema.js";
import { recordTaskOrder, taskIdsOf } from "../../core/task-order.js";
import { replaceFileDurably } from "./durable-write.js";

/** What the file last read or written holds, and the descriptor that pins its inode. */
interface Version {
  fd: number;
  stats: BigIntStats;
  /** Null while a change to it is under way: it may be half changed, so it is read again. */
  state: WorkflowState | null;
}

/** A task's text in the file (`    "<id>": {…}`), and the object it was made from or parsed into. */
interface TaskText {
  task: StoredTask;
  text: string;
}

const EMPTY_TASKS = '\n  "tasks": {}';
/** Closes the descriptor of a StateFile that was dropped without close(). */
const unclosed = new FinalizationRegistry<{ fd: number | null }>((held) => {
  if (held.fd !== null) closeSync(held.fd);
});

export class StateFile {
  private version: Version | null = null;
  private texts = new Map<string, TaskText>();
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
      this.forget();
      return null;
    }
    if (this.version?.state && sameVersion(this.version.stats, stats)) return this.version.state;
    const { fd, bytes } = openVersion(this.path);
    let state: WorkflowState;
    try {
      state = parseState(this.path, bytes);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.keep({ fd, stats: fstatSync(fd, { bigint: true }), state });
    return state;
  }

  /**
   * Writes `state` durably (see durable-write.ts) and keeps it as the current version.
   * `state` is usually the kept state, changed in place by a rule: it is kept no longer,
   * so should the write fail, the next read reads the file, not the change.
   */
  async write(state: WorkflowState, beforeRename: () => void): Promise<void> {
    if (this.version) this.version.state = null;
    const written: [string, string][] = [];
    const fragments: string[] = [];
    for (const id of taskIdsOf(state)) {
      const task = state.tasks[id] as StoredTask;
      const kept = this.texts.get(id);
      if (kept?.task === task) {
        fragments.push(kept.text);
        continue;
      }
      const text = taskText(id, task);
      written.push([id, text]);
      fragments.push(text);
    }
    await replaceFileDurably(this.path, Buffer.from(layout(state, fragments)), beforeRename);
    // Still under the lock, so the path names what was just written.
    const fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    // What was written is parsed back, so the kept state shares nothing with callers' objects.
    for (const [id, text] of written) {
      const task = Object.freeze(JSON.parse(text.slice(text.indexOf("{"))) as StoredTask);
      Object.defineProperty(state.tasks, id, { value: task, enumerable: true, writable: true, configurable: true });
      this.texts.set(id, { task, text });
    }
    state.metadata = JSON.parse(JSON.stringify(state.metadata)) as WorkflowState["metadata"];
    this.keep({ fd, stats: fstatSync(fd, { bigint: true }), state });
  }

  /** Lets go of the kept version; the next call reads the file afresh. */
  close(): void {
    this.forget();
    this.texts.clear();
  }

  private keep(version: Version): void {
    this.forget();
    this.version = version;
    this.pinned.fd = version.fd;
  }

  private forget(): void {
    if (this.version) closeSync(this.version.fd);
    this.version = null;
    this.pinned.fd = null;
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
function openVersion(path: string): { fd: number; bytes: Buffer } {
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
    const bytes = Buffer.allocUnsafe(stats.size);
    let length = 0;
    for (let read = -1; read !== 0 && length < bytes.length; length += read) read = readSync(fd, bytes, length, bytes.length - length, length);
    return { fd, bytes: bytes.subarray(0, length) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The state a file's bytes hold; STATE_FILE_CORRUPT, naming the file, if they are not a workflow. */
export function parseState(file: string, bytes: Buffer): WorkflowState {
  if (bytes.length === 0) throw new StateFileCorruptError(file, "the file is empty");
  const text = bytes.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StateFileCorruptError(file, describeJsonError(error, text));
  }
  if (!isPlainObject(json)) throw new StateFileCorruptError(file, "not a workflow state: it is not a JSON object");
  const { workflow_type: type, metadata, tasks } = json;
  if (typeof type !== "string") throw new StateFileCorruptError(file, "not a workflow state: workflow_type is not a string");
  const checked = workflowMetadataSchema.safeParse(metadata);
  if (!checked.success) throw new StateFileCorruptError(file, `not a workflow state: metadata ${describeIssues(checked.error as ZodError)}`);
  if (!isPlainObject(tasks)) throw new StateFileCorruptError(file, "not a workflow state: tasks is not an object");
  // A null prototype, so that any id, "__proto__" included, is a plain key.
  const kept = Object.create(null) as WorkflowState["tasks"];
  const ids = Object.keys(tasks);
  for (const id of ids) {
    const task = tasks[id];
    const valid = storedTaskSchema.safeParse(task);
    if (!valid.success) throw new StateFileCorruptError(file, `task ${JSON.stringify(id)} is not a task: ${describeIssues(valid.error as ZodError)}`);
    // The parsed object itself, not zod's copy: it keeps the file's key order.
    kept[id] = Object.freeze(task as StoredTask);
  }
  recordTaskOrder(kept, ids);
  const state = {} as WorkflowState;
  for (const key of Object.keys(json)) {
    Object.defineProperty(state, key, { value: key === "tasks" ? kept : json[key], enumerable: true, writable: true, configurable: true });
  }
  return state;
}

/** Where JSON.parse stopped, as line and column; never the bytes, which may be anything. */
function describeJsonError(error: unknown, text: string): string {
  const message = (error as Error).message;
  if (message.includes("end of JSON input")) return "not valid JSON: it ends too early";
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return "not valid JSON";
  const before = text.slice(0, Number(position));
  const line = before.split("\n").length;
  return `not valid JSON at line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
}

/** `    "<id>": {…}`, as JSON.stringify(state, null, 2) lays out a task. */
function taskText(id: string, task: StoredTask): string {
  let json: string;
  try {
    json = JSON.stringify(task, null, 2);
  } catch (error) {
    if (error instanceof RangeError) throw new InvalidInputError(`Task ${JSON.stringify(id)} holds data nested too deeply to be written; edit it in the state file.`);
    throw error;
  }
  return `    ${JSON.stringify(id)}: ${json.replaceAll("\n", "\n    ")}`;
}

/** The whole file: the state's other fields as JSON.stringify lays them out, with the tasks in their place. */
function layout(state: WorkflowState, fragments: readonly string[]): string {
  const outline = JSON.stringify({ ...state, tasks: {} }, null, 2);
  const at = outline.indexOf(EMPTY_TASKS); // the only line indented two spaces that names "tasks"
  const tasks = fragments.length === 0 ? "{}" : `{\n${fragments.join(",\n")}\n  }`;
  return `${outline.slice(0, at)}\n  "tasks": ${tasks}${outline.slice(at + EMPTY_TASKS.length)}\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
