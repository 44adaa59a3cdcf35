/** better-sqlite3, loaded when a SQLite store first opens its database (see ../load-driver.ts). */
import type BetterSqlite3 from "better-sqlite3";
import { loadDriver } from "../load-driver.js";

export function loadBetterSqlite3(): typeof BetterSqlite3 {
  return loadDriver<typeof BetterSqlite3>("better-sqlite3", "sqlite");
}
