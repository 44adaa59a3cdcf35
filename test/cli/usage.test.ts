/**
 * The help the bin prints, checked against what its parser accepts: every flag of a
 * command is on its usage line, every common flag under "Common flags", every server
 * flag in the server's help, and every error code under the exit code it ends in.
 */
import { describe, expect, it } from "vitest";
import { COMMON_FLAGS, type FlagSpecs } from "../../src/cli/command.js";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { exitCodeOf } from "../../src/cli/exit-codes.js";
import { SERVE_FLAGS } from "../../src/cli/serve-options.js";
import { ERROR_CODES, TaskManagerError } from "../../src/core/errors.js";
import { cliEnv } from "../helpers/cli.js";
import { cliPath } from "../helpers/mcp-client.js";
import { runNode } from "../helpers/processes.js";

async function help(args: string[]): Promise<string> {
  const run = await runNode(cliPath, [...args, "--help"], { env: cliEnv() });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}

/** Whether `text` names the flag as a word: `--name`, or its `-x` alias. */
function names(text: string, name: string, spec: FlagSpecs[string]): boolean {
  const forms = [`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])];
  return forms.some((form) => new RegExp(`(^|[\\s[|])${form}(?=[\\s\\]|]|$)`).test(text));
}

describe.each(Object.entries(COMMANDS))("%s --help", (name, command) => {
  it("lists every flag the command accepts on its usage line, and every common flag", async () => {
    const text = await help([name]);
    const [usage = ""] = text.split("\n");
    expect(usage).toBe(`Usage: task-manager-mcp ${command.synopsis}`);
    for (const [flag, spec] of Object.entries(command.flags)) expect(names(usage, flag, spec), `${usage} names --${flag}`).toBe(true);
    const common = text.slice(text.indexOf("Common flags:"));
    for (const [flag, spec] of Object.entries(COMMON_FLAGS as FlagSpecs)) expect(names(common, flag, spec), `common flags name --${flag}`).toBe(true);
    expect(common).toContain("--store json|sqlite|postgres");
  });
});

describe("task-manager-mcp --help", () => {
  it("names every flag of the server", async () => {
    const text = await help([]);
    for (const [flag, spec] of Object.entries(SERVE_FLAGS as FlagSpecs)) expect(names(text, flag, spec), `--${flag}`).toBe(true);
  });

  it("lists each error code under the exit code it ends in", async () => {
    const text = await help([]);
    const lines = text.slice(text.indexOf("Exit codes")).split("\n");
    for (const code of ERROR_CODES) {
      const exit = exitCodeOf(new TaskManagerError(code, "x"));
      const line = lines.find((candidate) => candidate.startsWith(`  ${exit}  `));
      expect(line, `exit code ${exit}`).toBeDefined();
      expect(line, code).toContain(code);
    }
    expect(lines.find((line) => line.startsWith("  4  "))).toContain("STORE_UNAVAILABLE");
  });
});
