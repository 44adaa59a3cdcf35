/** `workflows`: every workflow in the state directory with its task counts. */
import type { TaskStatus } from "../../core/schema.js";
import { overviewOfAll, type WorkflowOverview } from "../../workflow-overview.js";
import { openContext, parseCommandLine, expectPositionals, write, writeJson, type CliCommand, type CommandContext } from "../command.js";
import { renderTable } from "../format/table.js";

export function renderOverviews(context: CommandContext, overviews: readonly WorkflowOverview[]): string {
  if (overviews.length === 0) {
    return `no workflows in ${context.config.stateDir} yet; "task-manager-mcp add TYPE" starts one.\n`;
  }
  const { style } = context;
  const count = (overview: WorkflowOverview, status: TaskStatus): string => {
    const n = overview.status_counts?.[status] ?? 0;
    return n === 0 ? style.dim("0") : style.status(status, String(n));
  };
  return renderTable(
    [
      { header: "WORKFLOW" },
      { header: "TOTAL", align: "right" },
      { header: "PENDING", align: "right" },
      { header: "READY", align: "right" },
      { header: "IN PROGRESS", align: "right" },
      { header: "COMPLETED", align: "right" },
      { header: "FAILED", align: "right" },
      { header: "CANCELLED", align: "right" },
    ],
    overviews.map((overview) =>
      overview.error
        ? { cells: [overview.name], note: style.red(overview.error.code) }
        : [
            overview.name,
            String(overview.total_tasks ?? 0),
            count(overview, "pending"),
            String(overview.pending_counts?.ready ?? 0),
            count(overview, "in_progress"),
            count(overview, "completed"),
            count(overview, "failed"),
            count(overview, "cancelled"),
          ],
    ),
    style,
  );
}

export const workflowsCommand: CliCommand = {
  synopsis: "workflows",
  flags: {},
  summary: "List the workflows in the state directory with their task counts.",
  details: `A workflow whose state file is corrupt is listed with STATE_FILE_CORRUPT instead of counts
(its error message is in --json); the others still list.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, {});
    expectPositionals(positionals, 0, workflowsCommand.synopsis);
    const context = openContext(values);
    const overviews = await overviewOfAll(context.workflows);
    if (context.json) return writeJson({ state_dir: context.config.stateDir, workflows: overviews });
    write(renderOverviews(context, overviews));
  },
};
