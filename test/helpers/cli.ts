/**
 * Running the built bin's subcommands (`node dist/cli.js COMMAND …`) as a person or a
 * script would: one-shot commands to their end, and long-running ones (watch, dashboard)
 * whose output the test waits on.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cliPath } from "./mcp-client.js";
import { runNode, type ProcessResult } from "./processes.js";

/** The environment without the runner's TASK_MANAGER_* and colour settings, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("TASK_MANAGER_") && name !== "NO_COLOR" && name !== "FORCE_COLOR"),
  );
  return { ...env, ...extra };
}

/** Runs `task-manager-mcp ARGS… --state-dir DIR` to the end. */
export function runCli(stateDir: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<ProcessResult> {
  return runNode(cliPath, [...args, "--state-dir", stateDir], { env: cliEnv(extraEnv) });
}

/** Runs it and parses its --json output; fails the test with its stderr when it did not exit 0. */
export async function runCliJson<T = Record<string, unknown>>(stateDir: string, args: readonly string[]): Promise<T> {
  const run = await runCli(stateDir, [...args, "--json"]);
  if (run.code !== 0) throw new Error(`${args.join(" ")} exited ${String(run.code)}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

export interface LongRunning {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout satisfies `test`; rejects if the process ends first or after `timeoutMs`. */
  waitForStdout(test: (stdout: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startCli(stateDir: string, args: readonly string[]): LongRunning {
  const child = spawn(process.execPath, [cliPath, ...args, "--state-dir", stateDir], { env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let exited: number | null | undefined;
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const closed = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      exited = code;
      notify();
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStdout: (test, what, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (test(stdout)) {
            done();
            resolve(stdout);
          } else if (exited !== undefined) {
            done();
            reject(new Error(`exited (${String(exited)}) before ${what}; stdout: ${stdout}\nstderr: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} within ${timeoutMs} ms; stdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    stop: async (signal = "SIGINT") => {
      if (exited === undefined) child.kill(signal);
      return closed;
    },
  };
}
