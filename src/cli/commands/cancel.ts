/** `cancel ID`: end a task that is no longer needed (and with --cascade its pending subtree). */
import { withoutIdleClaim } from "../../mcp/compact-task.js";
import { TaskManagerError, isTaskManagerError } from "../../core/errors.js";
import { actingPerson, AS_FLAG_HELP } from "../acting-person.js";
import { expectPositionals, openContext, parseCommandLine, write, writeJson, type CliCommand } from "../command.js";
import { findTask } from "../find-task.js";
import { UsageError } from "../usage-error.js";

const CANCEL_FLAGS = {
  cascade: { type: "boolean" },
  force: { type: "boolean" },
  reason: { type: "string" },
  workflow: { type: "string", short: "w" },
  as: { type: "string" },
} as const;

export const cancelCommand: CliCommand = {
  synopsis: "cancel ID [--cascade] [--force] [--reason TEXT] [-w W] [--as WHO]",
  flags: CANCEL_FLAGS,
  summary: "Cancel a task that is no longer needed; --cascade cancels its pending descendants too.",
  details: `Flags:
  --cascade                    also cancel the task's pending descendants (held ones stay with their agents)
  --force                      also cancel a task an agent holds now, ending its claim
  --reason TEXT                why, recorded in the task's history
  -w, --workflow W             look only in workflow W (default: search every workflow)
${AS_FLAG_HELP}

A pending task, or one whose holder's lease ran out, is cancelled as it is. A task an agent holds
needs --force (exit 3 without it); an already finished task exits 3. Tasks that depend on a
cancelled task are blocked: cancel them too, or replace the cancelled task.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, CANCEL_FLAGS);
    expectPositionals(positionals, 1, cancelCommand.synopsis);
    const taskId = positionals[0];
    if (taskId === undefined) throw new UsageError(`which task? usage: task-manager-mcp ${cancelCommand.synopsis}.`);
    const context = openContext(values);
    const { workflow, task: before } = await findTask(context, taskId, values.workflow);
    let task;
    try {
      task = await context.workflows.get(workflow).cancelTask({
        taskId,
        agentId: actingPerson(values.as),
        ...(values.cascade === true && { cascade: true }),
        ...(values.force === true && { force: true }),
        ...(values.reason !== undefined && { reason: values.reason }),
      });
    } catch (error) {
      const held = before.status === "in_progress" && values.force !== true;
      if (held && isTaskManagerError(error) && error.code === "TASK_NOT_PENDING") {
        throw new TaskManagerError("TASK_NOT_PENDING", `${error.message} To cancel it now, add --force.`);
      }
      throw error;
    }
    if (context.json) return writeJson({ workflow, task: withoutIdleClaim(task) });
    const descendants = task.cancelled_descendants;
    const more = descendants === undefined ? "" : `, and ${descendants} pending descendant${descendants === 1 ? "" : "s"}`;
    write(`${context.style.status("cancelled", "cancelled")} ${task.id} in workflow ${workflow}${more}.`);
  },
};
