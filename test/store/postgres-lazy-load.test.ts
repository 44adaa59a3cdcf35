// pg is loaded by the first PostgreSQL store that connects, not by importing the package:
// a process that only uses the JSON store never pays its memory.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runNode } from "../helpers/processes.js";

const packageEntry = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

const PROBE = `
import { createRequire } from "node:module";
const entry = process.argv[1];
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes("/node_modules/pg/"));
const { TaskManager, PostgresStore } = await import(entry);
const tm = new TaskManager({ stateFile: process.argv[2] });
await tm.getStatusSummary();
const before = loaded();
const store = new PostgresStore({ url: "postgres://nobody@127.0.0.1:1/none", workflow: "w" });
await store.ready().catch(() => {});
console.log(JSON.stringify({ before, after: loaded() }));
`;

describe("the PostgreSQL driver", () => {
  it("is not loaded by importing the package and using the JSON store, only once a PostgreSQL store connects", async () => {
    const result = await runNode("--input-type=module", ["-e", PROBE, packageEntry, "/nonexistent-dir/state.json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({ before: false, after: true });
  });
});
