/**
 * One task's text in a state file, `    "<id>": {…}`, exactly as
 * `JSON.stringify(state, null, 2)` writes it, and what decides whether that text
 * still stands for the task object: a snapshot of the object's top-level fields.
 * Nested values are deep-frozen (frozen-json.ts), so their identity stands for their
 * content and comparing top-level values with `===` is enough.
 */
import type { ZodType } from "zod";
import { workflowStateSchema, type StoredTask } from "../core/schema.js";
import { adoptInPlace, frozenCopy, isFrozenJson } from "./frozen-json.js";

/** One task as its text was made. Never changed once made; where it lies is kept by the index. */
export interface Fragment {
  readonly id: string;
  readonly task: StoredTask;
  /** The task's own keys and top-level values then; null: its text is never reused for a write. */
  readonly keys: readonly string[] | null;
  readonly values: readonly unknown[];
}

/** How a task's text starts, after the ",\n" that separates it from the one before. */
export const FRAGMENT_START = '    "';
/** The last line of a task's text: its closing brace, indented by four. */
export const FRAGMENT_END = "\n    }";

/** The schema of one task, taken from the state's schema so that the two never differ. */
const storedTaskSchema = (workflowStateSchema.shape.tasks as unknown as { valueType: ZodType<StoredTask> }).valueType;

const NEVER_REUSE: Pick<Fragment, "keys" | "values"> = { keys: null, values: [] };
/** Key lists are shared between tasks of the same shape. */
const keyLists = new Map<string, readonly string[]>();

export function fragmentText(id: string, task: StoredTask): string {
  return `${FRAGMENT_START}${JSON.stringify(id).slice(1)}: ${JSON.stringify(task, null, 2).replaceAll("\n", "\n    ")}`;
}

export function isTaskObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep-freezes the nested values of a task this process just parsed (they are ours alone). */
export function adoptTask(task: StoredTask): void {
  for (const key in task) {
    const value = (task as Record<string, unknown>)[key];
    if (typeof value === "object" && value !== null) adoptInPlace(value);
  }
}

/** The fragment of a task whose text is being written now. */
export function fragmentForWrite(id: string, task: StoredTask): { fragment: Fragment; text: string } {
  const snapshot = snapshotForWrite(task);
  return { fragment: { id, task, ...snapshot }, text: fragmentText(id, task) };
}

/** The task object is as it was when its text was made: same keys, same values (nested ones are frozen). */
export function unchanged(fragment: Fragment): boolean {
  const { keys, values, task } = fragment;
  if (keys === null) return false;
  let i = 0;
  for (const key in task) {
    if (key !== keys[i] || (task as Record<string, unknown>)[key] !== values[i]) return false;
    i += 1;
  }
  return i === keys.length;
}

/**
 * One task's text parsed and validated; null if it is not a valid task (the
 * whole-file parse then reports it). Its text may stand for it later only if it is
 * exactly what fragmentText makes of the validated object: the schema puts known
 * fields first, so a task that gained a field since may differ, and is then
 * stringified afresh on the next write.
 */
export function parseFragment(text: string, id: string): Fragment | null {
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
