/** `release ID --force`: a person takes a task back from the agent holding it, so another can claim it. */
import { withoutIdleClaim } from "../../mcp/compact-task.js";
import { actingPerson, AS_FLAG_HELP } from "../acting-person.js";
import { expectPositionals, openContext, parseCommandLine, write, writeJson, type CliCommand } from "../command.js";
import { findTask } from "../find-task.js";
import { printable } from "../format/text.js";
import { UsageError } from "../usage-error.js";

const RELEASE_FLAGS = {
  force: { type: "boolean" },
  workflow: { type: "string", short: "w" },
  as: { type: "string" },
} as const;

export const releaseCommand: CliCommand = {
  synopsis: "release ID --force [-w W] [--as WHO]",
  flags: RELEASE_FLAGS,
  summary: "Take a claimed task back from whichever agent holds it and make it pending again.",
  details: `Flags:
  --force                      required: confirms overriding the agent's claim
  -w, --workflow W             look only in workflow W (default: search every workflow)
${AS_FLAG_HELP}

For a stuck task: its agent crashed, hangs, or holds it with a long lease. The task goes back to
pending (not counted as a failed attempt) and the next get_next_task can claim it; the old holder's
later complete_task or heartbeat is refused. A task that is not in_progress exits 3.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, RELEASE_FLAGS);
    expectPositionals(positionals, 1, releaseCommand.synopsis);
    const taskId = positionals[0];
    if (taskId === undefined) throw new UsageError(`which task? usage: task-manager-mcp ${releaseCommand.synopsis}.`);
    if (values.force !== true) {
      throw new UsageError(
        `release takes "${taskId}" from the agent holding it, whose later work on it will be refused; add --force to confirm.`,
      );
    }
    const context = openContext(values);
    const { workflow } = await findTask(context, taskId, values.workflow);
    const task = await context.workflows.get(workflow).releaseTask({ taskId, agentId: actingPerson(values.as), force: true });
    if (context.json) return writeJson({ workflow, task: withoutIdleClaim(task) });
    const how = task.history?.at(-1)?.detail;
    write(`released ${task.id} in workflow ${workflow}${how === undefined ? "" : ` (${printable(how)})`}; it is ${context.style.status(task.status)} again.`);
  },
};
