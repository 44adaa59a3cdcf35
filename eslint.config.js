// @ts-check
import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "bench/results/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    // stdout belongs to the MCP protocol: server code logs to stderr through its logger only.
    files: ["src/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    // The folders are layers: core knows no store, a store knows no other store and
    // nothing of the server, the CLI or the dashboard. A cycle means a layer leaked.
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      // Parse the imported .ts files too, so a cycle through any of them is seen.
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createTypeScriptImportResolver()],
    },
    rules: {
      "import-x/no-cycle": "error",
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            { target: "./src/core", from: ["./src/store", "./src/mcp", "./src/cli", "./src/dashboard", "./src/cli.ts", "./src/index.ts", "./src/task-manager.ts", "./src/workflows.ts", "./src/workflow-overview.ts", "./src/held-paths.ts"], message: "core holds the rules of every store: it imports no store, server or CLI." },
            { target: "./src/store", from: ["./src/mcp", "./src/cli", "./src/dashboard", "./src/cli.ts", "./src/index.ts", "./src/task-manager.ts", "./src/workflows.ts", "./src/workflow-overview.ts", "./src/held-paths.ts"], message: "a store knows nothing of the server, the CLI or the dashboard." },
            { target: "./src/store/json", from: ["./src/store/sqlite", "./src/store/postgres"], message: "one store does not import another: shared code lives in src/store/." },
            { target: "./src/store/sqlite", from: ["./src/store/json", "./src/store/postgres"], message: "one store does not import another: shared code lives in src/store/." },
            { target: "./src/store/postgres", from: ["./src/store/json", "./src/store/sqlite"], message: "one store does not import another: shared code lives in src/store/." },
            { target: "./src/store/sql", from: ["./src/store/json", "./src/store/sqlite", "./src/store/postgres"], message: "what the SQL stores share imports neither of them." },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: globals.node },
  },
  {
    // The dashboard's page runs in the browser, as a classic script.
    files: ["dashboard/**/*.js"],
    languageOptions: { globals: globals.browser, sourceType: "script" },
  },
);
