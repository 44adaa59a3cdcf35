/**
 * JSON values below a task's top level (data, result, history, …) that the state
 * file codec has deep-frozen and therefore owns: nobody can change them in place,
 * so "the same object as when it was written" proves "the same JSON as was
 * written", and an unchanged task need not be stringified again.
 */

const owned = new WeakSet<object>();

/** Deep-frozen by adoptInPlace or frozenCopy: its JSON can never change. */
export function isFrozenJson(value: object): boolean {
  return owned.has(value);
}

/**
 * A deep-frozen copy of a plain JSON value (objects, arrays, strings, finite numbers,
 * booleans, null), or undefined when it holds anything else (a Date, a Map, a
 * function, a class instance, a toJSON method): those are serialised afresh on
 * every write, never cached. A copy, so a caller's own object is never frozen.
 */
export function frozenCopy(value: object): object | undefined {
  if (owned.has(value)) return value;
  const copy = copyJson(value) as object | undefined; // an object in, an object (or nothing) out
  if (copy === undefined) return undefined;
  owned.add(copy);
  return copy;
}

/**
 * Deep-freezes in place a value this process parsed itself from a state file (no
 * one else holds it) and returns true, or returns false, leaving it unfrozen, when
 * it is not plain JSON.
 */
export function adoptInPlace(value: object): boolean {
  if (owned.has(value)) return true;
  if (!isPlainJson(value)) return false;
  deepFreeze(value);
  owned.add(value);
  return true;
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== "function";
}

function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object") return false;
  if (owned.has(value)) return true;
  if (!isPlainContainer(value)) return false;
  if (Array.isArray(value)) return value.every(isPlainJson);
  for (const key of Object.keys(value)) {
    if (!isPlainJson((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function deepFreeze(value: object): void {
  if (Object.isFrozen(value) && owned.has(value)) return;
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === "object" && child !== null) deepFreeze(child);
  }
  Object.freeze(value);
}

function copyJson(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "object") return undefined;
  if (owned.has(value)) return value;
  if (!isPlainContainer(value)) return undefined;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (const item of value as unknown[]) {
      const itemCopy = copyJson(item);
      if (itemCopy === undefined) return undefined;
      copy.push(itemCopy);
    }
    return Object.freeze(copy);
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const childCopy = copyJson((value as Record<string, unknown>)[key]);
    if (childCopy === undefined) return undefined;
    // defineProperty, not assignment: a "__proto__" key must stay plain data, as JSON.parse makes it.
    Object.defineProperty(copy, key, { value: childCopy, enumerable: true, writable: true, configurable: true });
  }
  return Object.freeze(copy);
}
