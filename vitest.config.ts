import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // PostgreSQL, Chromium and python3 are probed once per run, not once per test file.
    globalSetup: ["test/setup/requirements.ts"],
    // Process-level tests spawn real children and race for real locks: give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
