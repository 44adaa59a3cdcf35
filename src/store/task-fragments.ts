/**
 * One task's text in a state file, `    "<id>": {…}`, exactly as
 * `JSON.stringify(state, null, 2)` writes it, and what decides whether that text
 * still stands for the task object: the object is frozen, and its nested values
 * deep-frozen (frozen-json.ts), so the same object is the same text. Rules change a
 * frozen task by replacing it with a copy (core/writable-task.ts), so a write tells
 * the tasks a rule changed from the thousands it did not by identity alone, without
 * looking inside any of them.
 */
import type { ZodType } from "zod";
import { workflowStateSchema, type StoredTask } from "../core/schema.js";
import { adoptInPlace, frozenCopy, isFrozenJson } from "./frozen-json.js";

/** One task as its text was made. Never changed once made; where it lies is kept by the index. */
export interface Fragment {
  readonly id: string;
  /** Frozen when its text may be reused for a write; a task holding values that are not plain JSON never is. */
  readonly task: StoredTask;
}

/** How a task's text starts, after the ",\n" that separates it from the one before. */
export const FRAGMENT_START = '    "';
/** The last line of a task's text: its closing brace, indented by four. */
export const FRAGMENT_END = "\n    }";

/** The schema of one task, taken from the state's schema so that the two never differ. */
const storedTaskSchema = (workflowStateSchema.shape.tasks as unknown as { valueType: ZodType<StoredTask> }).valueType;

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
  freezeForWrite(task);
  return { fragment: { id, task }, text: fragmentText(id, task) };
}

/** The task object is as it was when its text was made: it was frozen then, nested values and all. */
export function unchanged(fragment: Fragment): boolean {
  return Object.isFrozen(fragment.task);
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
  if (fragmentText(id, task) === text) freezeIfPlain(task);
  return { id, task };
}

/** Freezes the task, if all its values are plain JSON (nested ones frozen already), so its text can stand for it. */
function freezeIfPlain(task: StoredTask): void {
  for (const key of Object.keys(task)) {
    const value = (task as Record<string, unknown>)[key];
    if (typeof value === "object" ? value !== null && !isFrozenJson(value) : typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      return;
    }
  }
  Object.freeze(task);
}

/**
 * Before a changed task is written: nested values the codec does not own yet (new
 * from a rule or a caller) are replaced by deep-frozen copies, equal as JSON, so
 * that their identity tells later whether they changed.
 */
function freezeForWrite(task: StoredTask): void {
  if (Object.isFrozen(task)) return; // written before, and unchanged since
  for (const key of Object.keys(task)) {
    const value = (task as Record<string, unknown>)[key];
    if (typeof value !== "object" || value === null || isFrozenJson(value)) continue;
    const copy = frozenCopy(value);
    if (copy === undefined) return; // not plain JSON: stringified afresh on every write
    (task as Record<string, unknown>)[key] = copy;
  }
  freezeIfPlain(task);
}
