/**
 * `dashboard`: serves the live, read-only web page on 127.0.0.1. Another interface only
 * when asked with --host, and then with a warning: the page shows every task's data to
 * anyone who can reach the port, without a password.
 */
import { isIP } from "node:net";
import { createDashboard } from "../../dashboard/server.js";
import { expectPositionals, openContext, parseCommandLine, write, type CliCommand } from "../command.js";
import { integerFlag } from "../flag-values.js";
import { UsageError } from "../usage-error.js";

export const DEFAULT_DASHBOARD_PORT = 4747;
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

/** How a browser writes the host in a URL and in its Host header. */
function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

const DASHBOARD_FLAGS = { port: { type: "string" }, host: { type: "string" } } as const;

export const dashboardCommand: CliCommand = {
  synopsis: "dashboard [--port N] [--host ADDRESS]",
  flags: DASHBOARD_FLAGS,
  summary: "Serve a live, read-only web dashboard of every workflow on http://127.0.0.1:4747/.",
  details: `Flags:
  --port N                     the port (default ${DEFAULT_DASHBOARD_PORT}; 0 picks a free one)
  --host ADDRESS               the interface (default 127.0.0.1). Anything but a loopback address
                               lets other machines read every task's data: it prints a warning.

The page shows each workflow's counts, its task tree and dependency graph, who holds each task with
its lease counting down, and each task's data, result and history, updated live as any process
changes the state files. It changes nothing: use the other commands for that. Ctrl-C stops it.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, DASHBOARD_FLAGS);
    expectPositionals(positionals, 0, dashboardCommand.synopsis);
    const port = integerFlag(values.port, "--port", String(DEFAULT_DASHBOARD_PORT)) ?? DEFAULT_DASHBOARD_PORT;
    if (port < 0 || port > 65_535) throw new UsageError(`--port must be 0-65535; got ${port}.`);
    const host = values.host ?? "127.0.0.1";
    if (host === "") throw new UsageError("--host must not be empty.");
    const loopback = isLoopback(host);
    const context = openContext(values);

    const dashboard = createDashboard({
      workflows: context.workflows,
      staleAfterMs: context.staleAfterMs,
      allowedHosts: loopback ? [...new Set([...LOOPBACK_NAMES, urlHost(host)])] : null,
    });
    await new Promise<void>((resolve, reject) => {
      dashboard.server.once("error", (error: NodeJS.ErrnoException) => {
        dashboard.feed.close();
        if (error.code === "EADDRINUSE") reject(new UsageError(`port ${port} on ${host} is in use (another dashboard?); choose another with --port, or --port 0 for any free one.`));
        else if (error.code === "EACCES") reject(new UsageError(`not allowed to listen on port ${port} on ${host}; choose a port above 1023.`));
        else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") reject(new UsageError(`cannot listen on ${host}: no such address on this machine.`));
        else reject(error);
      });
      dashboard.server.listen(port, host, () => resolve());
    });
    const address = dashboard.server.address();
    const actualPort = typeof address === "object" && address !== null ? address.port : port;
    if (!loopback) {
      process.stderr.write(
        `task-manager-mcp: warning: serving on ${host}, not only on this machine: anyone who can reach port ${actualPort} can read every task's data, without a password.\n`,
      );
    }
    write(`Dashboard of ${context.config.stateDir}: http://${urlHost(host)}:${actualPort}/  (read-only; Ctrl-C stops it)`);

    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        dashboard.close().then(resolve, resolve);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  },
};
