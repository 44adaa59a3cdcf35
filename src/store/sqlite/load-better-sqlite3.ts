/** better-sqlite3, loaded when a SQLite store first opens its database (see ../load-driver.ts). */
import type BetterSqlite3 from "better-sqlite3";
import { loadDriver } from "../load-driver.js";
import type { DatabaseConstructor } from "./driver-types.js";

export function loadBetterSqlite3(): DatabaseConstructor {
  // Assigning the driver's own type to the local one: the compiler checks driver-types.ts against it.
  const driver: DatabaseConstructor = loadDriver<typeof BetterSqlite3>("better-sqlite3", "sqlite");
  return driver;
}
