/**
 * Task data, results and metadata as callers hand them in: checked to be JSON and
 * copied by a walk that keeps its own stack, so data nested 100,000 deep is refused as
 * plainly as data nested 65 deep, where a recursive check (zod's z.json()) would run out
 * of stack. The copy is the caller's data, detached from the caller's objects.
 *
 * Depth counts the objects and arrays on the way to the deepest value, the outermost
 * included: `{}` and `{"a": 1}` are 1 deep, `{"a": {}}` and `{"a": [1]}` are 2. Data
 * nested MAX_JSON_DEPTH deep is accepted, one level more is refused.
 */
import { defineOwn } from "./define-own.js";

/** Deep enough for any structured payload; shallow enough that every JSON.stringify, structuredClone and zod parse of it has stack to spare. */
export const MAX_JSON_DEPTH = 64;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type JsonCopy = { ok: true; value: JsonObject } | { ok: false; path: (string | number)[]; message: string };

export const TOO_DEEP_MESSAGE = `nested more than ${MAX_JSON_DEPTH} levels deep (objects and arrays inside one another, counting the outermost); flatten it, or keep the deep part in a file and put its path here`;

/** A container of the value being copied, and its copy, whose members are still to be copied. */
interface Level {
  source: object;
  copy: JsonObject | JsonValue[];
  depth: number;
  parent: Level | null;
  key: string | number;
}

/** A copy of `value` if it is a JSON object nested at most MAX_JSON_DEPTH deep; else where it goes wrong (a path from `value`) and how. */
export function copyJsonObject(value: unknown): JsonCopy {
  if (!isPlainObject(value)) return { ok: false, path: [], message: `expected a JSON object, got ${describe(value)}` };
  const root: Level = { source: value, copy: {}, depth: 1, parent: null, key: "" };
  const pending: Level[] = [root];
  for (let level = pending.pop(); level !== undefined; level = pending.pop()) {
    const { source, copy } = level;
    const keys: (string | number)[] = Array.isArray(source) ? Array.from(source.keys()) : Object.keys(source);
    for (const key of keys) {
      const member: unknown = (source as Record<string | number, unknown>)[key];
      let copied: JsonValue;
      if (member === null || typeof member === "string" || typeof member === "boolean") {
        copied = member;
      } else if (typeof member === "number") {
        if (!Number.isFinite(member)) return failure(level, key, `expected a finite number, got ${String(member)}`);
        copied = member;
      } else if (Array.isArray(member) || isPlainObject(member)) {
        // Refused when first seen, so a value nested 100,000 deep costs 65 steps, and one that contains itself ends too.
        if (level.depth >= MAX_JSON_DEPTH) return { ok: false, path: [], message: TOO_DEEP_MESSAGE };
        copied = Array.isArray(member) ? new Array<JsonValue>(member.length) : {};
        pending.push({ source: member, copy: copied, depth: level.depth + 1, parent: level, key });
      } else {
        return failure(level, key, `expected a JSON value (a string, number, boolean, null, array or object), got ${describe(member)}`);
      }
      if (Array.isArray(copy)) copy[key as number] = copied;
      else defineOwn(copy, key as string, copied);
    }
  }
  return { ok: true, value: root.copy as JsonObject };
}

/** An object literal or JSON.parse's kind of object: not an array, a Date, a Map or a class instance. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return `an object of class ${(value as { constructor?: { name?: string } }).constructor?.name ?? "unknown"}`;
    case "string":
      return "a string";
    case "function":
    case "bigint":
    case "symbol":
      return `a ${typeof value}`;
    default:
      return String(value);
  }
}

function failure(level: Level, key: string | number, message: string): JsonCopy {
  const path: (string | number)[] = [key];
  for (let at: Level | null = level; at !== null && at.parent !== null; at = at.parent) path.unshift(at.key);
  return { ok: false, path, message };
}

/**
 * A copy of plain data (objects, arrays and what they hold) of any depth, made without
 * recursion, so data nested thousands deep by hand is copied as any other. Anything that
 * is not plain data (a Date, say) is kept as it is.
 */
export function copyPlainData<T>(value: T): T {
  const copyOf = (member: unknown): unknown => (Array.isArray(member) ? new Array<unknown>(member.length) : isPlainObject(member) ? {} : member);
  const root = copyOf(value);
  const pending: [object, Record<string, unknown>][] = root !== value ? [[value as object, root as Record<string, unknown>]] : [];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [source, copy] = next;
    for (const key of Object.keys(source)) {
      const member = (source as Record<string, unknown>)[key];
      const memberCopy = copyOf(member);
      if (memberCopy !== member) pending.push([member as object, memberCopy as Record<string, unknown>]);
      defineOwn(copy, key, memberCopy);
    }
  }
  return root as T;
}
