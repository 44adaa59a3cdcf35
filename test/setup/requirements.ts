/**
 * Probes once per run for what some tests need beyond Node, before any test file loads,
 * and hands the answers to the test workers (test/helpers/requirements.ts `has()`).
 * A missing one is one line here, once; under CI=true it fails the run instead, so CI
 * never skips silently.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { CHROMIUM, PYTHON, TEST_DATABASE_URL } from "../helpers/outside-node.js";
import type { Requirement } from "../helpers/requirements.js";

const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** null when it is there; otherwise the line saying what is missing and how to provide it. */
async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `the PostgreSQL tests: no database at ${TEST_DATABASE_URL} (${reason}); start PostgreSQL there, or set TASK_MANAGER_TEST_DATABASE_URL (default ${DEFAULT_DATABASE_URL}) to one that runs`;
  } finally {
    await client.end().catch(() => {});
  }
}

function probeChromium(): string | null {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return null;
  } catch {
    return `the dashboard's browser test: ${CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)`;
  }
}

function probePython(): string | null {
  const result = spawnSync(PYTHON, ["-c", "import json"], { stdio: "ignore", timeout: 10_000 });
  return result.status === 0 ? null : `the tests that share state files with the original Python module: ${PYTHON} does not run here (install python3)`;
}

export default async function setup(project: TestProject): Promise<void> {
  const missing: Record<Requirement, string | null> = {
    postgres: await probePostgres(),
    chromium: probeChromium(),
    python3: probePython(),
  };
  const lines = Object.values(missing).filter((line): line is string => line !== null);
  if (lines.length > 0 && process.env.CI === "true") {
    throw new Error(`CI=true, so nothing may be skipped, but these cannot run:\n${lines.map((line) => `  ${line}`).join("\n")}`);
  }
  for (const line of lines) process.stderr.write(`skipped: ${line}\n`);
  project.provide("available", { postgres: missing.postgres === null, chromium: missing.chromium === null, python3: missing.python3 === null });
}
