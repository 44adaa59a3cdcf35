import { freshSchema, TEST_DATABASE_URL } from "./postgres.js";

/**
 * Each store with the server flags that choose it, for tests that start the built server
 * on every store; a call gives one database schema, for the servers of one test to share.
 */
export const SERVER_STORES: Array<[string, () => string[]]> = [
  ["json", () => []],
  ["sqlite", () => ["--store", "sqlite"]],
  ["postgres", () => ["--store", "postgres", "--database-url", TEST_DATABASE_URL, "--database-schema", freshSchema()]],
];
