/**
 * The database drivers are optional: a process loads better-sqlite3 only when it opens a
 * SQLite store and pg only for PostgreSQL, so a JSON-store user needs neither installed.
 * Each case runs a real process that makes one change and lists the drivers it loaded.
 */
import { describe, expect, it } from "vitest";
import { fixture } from "../helpers/paths.js";
import { freshSchema, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { runNode } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";
import { has } from "../helpers/requirements.js";

async function driversLoaded(args: string[]): Promise<string[]> {
  const result = await runNode(fixture("loaded-drivers.mjs"), args);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as string[];
}

describe("database drivers are loaded only by the store that needs them", () => {
  it("a JSON-store process loads neither better-sqlite3 nor pg", async () => {
    expect(await driversLoaded(["json", await tempDir()])).toEqual([]);
  });

  it("a SQLite-store process loads better-sqlite3 only", async () => {
    expect(await driversLoaded(["sqlite", await tempDir()])).toEqual(["better-sqlite3"]);
  });

  it.skipIf(!has("postgres"))("a PostgreSQL-store process loads pg only", async () => {
    expect(await driversLoaded(["postgres", await tempDir(), TEST_DATABASE_URL, freshSchema()])).toEqual(["pg"]);
  });
});
