/** better-sqlite3, loaded when a SQLite store first opens its database (see ../load-driver.ts). */
import type BetterSqlite3 from "better-sqlite3";
import { loadDriver } from "../load-driver.js";
import type { DatabaseConstructor } from "./driver-types.js";

export function loadBetterSqlite3(): DatabaseConstructor {
  // Assigning the driver's own type to the local one: the compiler checks driver-types.ts against it.
  // An in-memory database loads the native addon now, so a build for another Node.js version is reported as one.
  const driver: DatabaseConstructor = loadDriver<typeof BetterSqlite3>("better-sqlite3", "sqlite", (Driver) => new Driver(":memory:").close());
  return driver;
}
