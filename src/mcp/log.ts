/** Diagnostics go to stderr: stdout carries the MCP protocol and nothing else. */
export type Log = (message: string) => void;

export const stderrLog: Log = (message) => {
  process.stderr.write(`task-manager-mcp: ${message}\n`);
};
