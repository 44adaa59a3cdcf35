import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Process-level tests spawn real children and race for real locks: give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
