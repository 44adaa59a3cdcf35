/**
 * The command line with a PostgreSQL database it cannot use: the MCP server, and a person's
 * command, each print one line saying why in words (the URL without its password) and exit
 * with the documented code for STORE_UNAVAILABLE, 4; a script asking for --json gets the
 * code and the same sentence.
 */
import { describe, expect, it } from "vitest";
import { cliEnv } from "../helpers/cli.js";
import { cliPath } from "../helpers/mcp-client.js";
import { TEST_DATABASE_URL } from "../helpers/postgres.js";
import { runNode } from "../helpers/processes.js";
import { has } from "../helpers/requirements.js";

const REFUSED = "postgres://agent:hunter2@127.0.0.1:1/tasks";
const REFUSED_LINE = "Cannot use PostgreSQL at postgres://agent@127.0.0.1:1/tasks (schema task_manager): connection refused — is the server running and listening there?";

function missingDatabase(): { url: string; line: string } {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = "/tm_no_such_database";
  url.password = "hunter2";
  const shown = new URL(url);
  shown.password = "";
  return {
    url: url.toString(),
    line: `Cannot use PostgreSQL at ${shown.toString()} (schema task_manager): database does not exist — create it, or correct the database name in the URL`,
  };
}

describe("the command line, with a PostgreSQL database it cannot use", () => {
  it("as the MCP server, prints one line naming the URL without its password and exits 4", async () => {
    const result = await runNode(cliPath, ["--store", "postgres", "--database-url", REFUSED], { env: cliEnv() });
    expect(result.stderr).toBe(`task-manager-mcp: ${REFUSED_LINE}\n`);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(4);
  });

  it.skipIf(!has("postgres"))("as the MCP server, told the URL by TASK_MANAGER_DATABASE_URL, of a database that does not exist: the same", async () => {
    const { url, line } = missingDatabase();
    const result = await runNode(cliPath, ["--store", "postgres"], { env: cliEnv({ TASK_MANAGER_DATABASE_URL: url }) });
    expect(result.stderr).toBe(`task-manager-mcp: ${line}\n`);
    expect(result.code).toBe(4);
  });

  it("as a person's command (summary), the same; with --json, the code and the sentence", async () => {
    const plain = await runNode(cliPath, ["summary", "--store", "postgres", "--database-url", REFUSED], { env: cliEnv() });
    expect(plain.stderr).toBe(`task-manager-mcp: ${REFUSED_LINE}\n`);
    expect(plain.code).toBe(4);
    const json = await runNode(cliPath, ["summary", "--store", "postgres", "--database-url", REFUSED, "--json"], { env: cliEnv() });
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: "STORE_UNAVAILABLE", message: REFUSED_LINE } });
    expect(json.code).toBe(4);
  });
});
