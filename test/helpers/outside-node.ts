/**
 * Where the tests find what they need beyond Node: the PostgreSQL server, the browser and
 * the Python interpreter. test/setup/requirements.ts probes each once per run.
 */
export const TEST_DATABASE_URL = process.env.TASK_MANAGER_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const CHROMIUM = "/usr/bin/chromium";
export const PYTHON = "python3";
