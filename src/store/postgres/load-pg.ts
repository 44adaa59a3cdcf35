/** node-postgres, loaded when a PostgreSQL store first connects (see ../load-driver.ts). */
import type pg from "pg";
import { loadDriver } from "../load-driver.js";

export function loadPg(): typeof pg {
  return loadDriver<typeof pg>("pg", "postgres");
}
