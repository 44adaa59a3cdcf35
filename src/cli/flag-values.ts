/** Turning flag strings into values, with a usage error that names the flag and shows an example. */
import { UsageError } from "./usage-error.js";

export function integerFlag(value: string | undefined, flag: string, example: string): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const parsed = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) throw new UsageError(`${flag} must be a whole number, e.g. ${example}; got ${JSON.stringify(value)}.`);
  return parsed;
}

export function positiveIntegerFlag(value: string | undefined, flag: string, example: string): number | undefined {
  const parsed = integerFlag(value, flag, example);
  if (parsed !== undefined && parsed < 1) throw new UsageError(`${flag} must be 1 or more, e.g. ${example}; got ${JSON.stringify(value)}.`);
  return parsed;
}

/** A flag given several times and/or as a comma-separated list: `--depends-on a,b --depends-on c`. */
export function listFlag(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(",")).map((item) => item.trim()).filter((item) => item !== "");
}

/**
 * Paths given several times and/or separated by commas: `--paths src/a.ts,docs/** --paths b`.
 * A comma inside braces belongs to a glob (`src/{a,b}.ts`) and does not separate. Each path
 * is trimmed; an empty one is kept, for the library to refuse by name.
 */
export function pathListFlag(values: readonly string[] | undefined): string[] {
  const paths: string[] = [];
  for (const value of values ?? []) {
    let depth = 0;
    let start = 0;
    for (let index = 0; index < value.length; index += 1) {
      const char = value[index];
      if (char === "{") depth += 1;
      else if (char === "}" && depth > 0) depth -= 1;
      else if (char === "," && depth === 0) {
        paths.push(value.slice(start, index).trim());
        start = index + 1;
      }
    }
    paths.push(value.slice(start).trim());
  }
  return paths;
}
