/**
 * JSON nested to a given depth, built and measured without recursion (a recursive
 * helper would overflow the stack on the depths the tests need). Depth counts the
 * objects and arrays on the way to the deepest value, the outermost included: `{}` is 1.
 */
import type { JsonObject } from "../../src/index.js";

/** `{"a": {"a": … {}}}`, `depth` objects deep; with `arrays`, every other level an array. */
export function nested(depth: number, arrays = false): JsonObject {
  let value: unknown = {};
  // The outermost level (level === depth) is always an object: data, results and metadata are.
  for (let level = 2; level <= depth; level++) value = arrays && (depth - level) % 2 === 1 ? [value] : { a: value };
  return value as JsonObject;
}

/** The JSON text of nested(depth), written directly: JSON.stringify cannot go much past 4,000. */
export function nestedText(depth: number): string {
  return `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;
}

/** How deep `value` is nested. */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, depth] = next;
    if (typeof item !== "object" || item === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}
