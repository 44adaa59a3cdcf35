/**
 * Reads a workflow in the seed's state-file format (written by this package's JSON
 * store, by `export`, or by the original Python module) a task at a time, so a file
 * of a million tasks is imported without ever holding a million parsed tasks.
 *
 * The file's bytes are read whole (a Buffer has no string length limit), then
 * scanned: the top level and the members of `tasks` are found by their brackets
 * (strings and escapes respected), and each task's text alone is parsed and checked
 * against the task schema when it is reached. Anything that is not a workflow state
 * file is STATE_FILE_CORRUPT, naming the file and where.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { ZodError } from "zod";
import { defineOwn } from "../../core/define-own.js";
import { StateFileCorruptError } from "../../core/errors.js";
import { describeIssues } from "../../core/inputs.js";
import { storedReservationSchema, storedTaskSchema, workflowMetadataSchema, type StoredTask } from "../../core/schema.js";
import type { WorkflowHeader, WorkflowImport } from "../../core/workflow-transfer.js";

export interface SeedFile extends WorkflowImport {
  /** How many bytes of the file the task iteration has passed: progress, against `size`. */
  readonly position: number;
  readonly size: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export async function readSeedFile(path: string): Promise<SeedFile> {
  const file = resolve(path);
  return scanSeedFile(file, await readFile(file));
}

/** The workflow in `bytes` (read from `file`, which errors name). */
export function scanSeedFile(file: string, bytes: Buffer): SeedFile {
  const scanner = new Scanner(file, bytes);
  const fields = new Map<string, Member>();
  const top = scanner.members(scanner.skipSpace(0));
  let step = top.next();
  for (; !step.done; step = top.next()) fields.set(step.value.key, step.value);
  if (scanner.skipSpace(step.value) !== bytes.length) throw scanner.corrupt(step.value, "not valid JSON: text after the end");
  const tasksField = fields.get("tasks");
  if (!tasksField || bytes[tasksField.start] !== OPEN_BRACE) throw scanner.corrupt(tasksField?.start ?? 0, 'not a workflow state: it has no "tasks" object');
  const header: Record<string, unknown> = {};
  for (const [key, { start, end }] of fields) {
    if (key !== "tasks") defineOwn(header, key, scanner.parse(start, end));
  }
  if (typeof header.workflow_type !== "string") throw new StateFileCorruptError(file, 'not a workflow state: "workflow_type" must be a string');
  const metadata = workflowMetadataSchema.safeParse(header.metadata);
  if (!metadata.success) throw new StateFileCorruptError(file, `not a workflow state: metadata: ${describeIssues(metadata.error as ZodError)}`);
  // Checked here as a state file's are when it is loaded: an import would keep them unread, and its workflow could not be read again.
  if (header.reservations !== undefined) {
    const reservations = storedReservationSchema.array().safeParse(header.reservations);
    if (!reservations.success) throw new StateFileCorruptError(file, `not a workflow state: reservations: ${describeIssues(reservations.error as ZodError)}`);
  }

  const range = tasksField;
  let position = range.start;
  function* tasks(): Generator<[string, StoredTask]> {
    const seen = new Set<string>();
    for (const { key: id, start, end } of iterate(scanner.members(range.start))) {
      if (seen.has(id)) throw new StateFileCorruptError(file, `task "${id}" appears twice`);
      seen.add(id);
      const task = scanner.parse(start, end);
      const parsed = storedTaskSchema.safeParse(task);
      if (!parsed.success) throw new StateFileCorruptError(file, `task "${id}" is not a task: ${describeIssues(parsed.error as ZodError)}`);
      position = end;
      // The task as the file has it, its fields in the file's order (the schema's copy reorders them).
      yield [id, task as StoredTask];
    }
    position = range.end;
  }
  return {
    header: header as WorkflowHeader,
    tasks: { [Symbol.iterator]: tasks },
    get position() {
      return position;
    },
    size: bytes.length,
  };
}

/** A field of an object: its name, and where its value lies in the bytes. */
interface Member {
  key: string;
  start: number;
  end: number;
}

/** The members a members() scan yields (its return value, the object's end, left out). */
function* iterate(scan: Generator<Member, number>): Generator<Member> {
  for (let step = scan.next(); !step.done; step = scan.next()) yield step.value;
}

class Scanner {
  constructor(
    private readonly file: string,
    private readonly bytes: Buffer,
  ) {}

  corrupt(at: number, problem: string): StateFileCorruptError {
    return new StateFileCorruptError(this.file, `${problem} (at byte ${at})`);
  }

  skipSpace(at: number): number {
    const { bytes } = this;
    let i = at;
    while (i < bytes.length) {
      const byte = bytes[i] as number;
      if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
      i += 1;
    }
    return i;
  }

  /** JSON.parse of bytes [start, end), as STATE_FILE_CORRUPT when it is not JSON. */
  parse(start: number, end: number): unknown {
    try {
      return JSON.parse(this.bytes.toString("utf8", start, end));
    } catch (error) {
      throw this.corrupt(start, `not valid JSON: ${(error as Error).message}`);
    }
  }

  /** Yields the members of the object at `at`, one at a time; returns where the object ends. */
  *members(at: number): Generator<Member, number> {
    const { bytes } = this;
    if (bytes[at] !== OPEN_BRACE) throw this.corrupt(at, "not valid JSON: an object was expected");
    let i = this.skipSpace(at + 1);
    if (bytes[i] === CLOSE_BRACE) return i + 1;
    for (;;) {
      if (bytes[i] !== QUOTE) throw this.corrupt(i, "not valid JSON: a field name was expected");
      const keyEnd = this.skipString(i);
      const key = this.parse(i, keyEnd) as string;
      i = this.skipSpace(keyEnd);
      if (bytes[i] !== COLON) throw this.corrupt(i, "not valid JSON: ':' was expected");
      const start = this.skipSpace(i + 1);
      const end = this.skipValue(start);
      yield { key, start, end };
      i = this.skipSpace(end);
      if (bytes[i] === CLOSE_BRACE) return i + 1;
      if (bytes[i] !== COMMA) throw this.corrupt(i, "not valid JSON: ',' or the end of the object was expected");
      i = this.skipSpace(i + 1);
    }
  }

  /** Where the string starting at `at` (its opening quote) ends. */
  private skipString(at: number): number {
    const { bytes } = this;
    for (let i = at + 1; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) return i + 1;
    }
    throw this.corrupt(at, "not valid JSON: a string does not end");
  }

  /** Where the JSON value starting at `at` ends; only its brackets and strings are checked here (parse checks the rest). */
  private skipValue(at: number): number {
    const { bytes } = this;
    const first = bytes[at];
    if (first === QUOTE) return this.skipString(at);
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      let depth = 0;
      for (let i = at; i < bytes.length; i++) {
        const byte = bytes[i];
        if (byte === QUOTE) {
          i = this.skipString(i) - 1;
        } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          depth += 1;
        } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
          depth -= 1;
          if (depth === 0) return i + 1;
        }
      }
      throw this.corrupt(at, "not valid JSON: an object or array does not end");
    }
    // A number, true, false or null: up to the next delimiter.
    let i = at;
    while (i < bytes.length) {
      const byte = bytes[i] as number;
      if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) break;
      i += 1;
    }
    if (i === at) throw this.corrupt(at, "not valid JSON: a value was expected");
    return i;
  }
}
