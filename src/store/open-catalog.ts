/**
 * Opens the catalog of the kind of store asked for. The stores' drivers (better-sqlite3,
 * pg) are loaded when a store first opens its database, not here, so a JSON-store
 * process never loads them and they can stay optional dependencies.
 */
import { InvalidInputError } from "../core/errors.js";
import { JsonCatalog } from "./json/catalog.js";
import { PostgresCatalog } from "./postgres/catalog.js";
import { SqliteCatalog } from "./sqlite/catalog.js";
import type { StoreKind, StoreOptions, WorkflowCatalog } from "./workflow-catalog.js";

/** The catalog of `stateDir` for the kind of store asked for. */
export function openCatalog(kind: StoreKind, stateDir: string, options: StoreOptions): WorkflowCatalog {
  if (kind === "postgres") {
    if (options.databaseUrl === undefined || options.databaseUrl === "") {
      throw new InvalidInputError("The postgres store needs a database URL (--database-url or TASK_MANAGER_DATABASE_URL), e.g. postgres://user:password@host:5432/tasks.");
    }
    return new PostgresCatalog({ url: options.databaseUrl, schema: options.databaseSchema });
  }
  return kind === "sqlite" ? new SqliteCatalog(stateDir, options) : new JsonCatalog(stateDir, options);
}
