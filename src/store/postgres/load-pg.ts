/**
 * node-postgres, loaded when a PostgreSQL store first connects rather than when the package
 * is imported: the catalogs import every store, and pg with its dependencies costs about
 * 15 MB of memory in each process that never uses it (most servers use the JSON store).
 */
import { createRequire } from "node:module";
import type pg from "pg";

let loaded: typeof pg | undefined;

export function loadPg(): typeof pg {
  loaded ??= createRequire(import.meta.url)("pg") as typeof pg;
  return loaded;
}
