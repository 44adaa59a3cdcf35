/** `add TYPE`: create a task, printing its id (so `ID=$(task-manager-mcp add build)` works in a script). */
import { withoutIdleClaim } from "../../mcp/compact-task.js";
import { DEFAULT_WORKFLOW } from "../../core/workflow-name.js";
import { normalisePath } from "../../core/paths.js";
import type { JsonObject } from "../../core/schema.js";
import { expectPositionals, openContext, parseCommandLine, write, writeJson, type CliCommand } from "../command.js";
import { integerFlag, listFlag, pathListFlag } from "../flag-values.js";
import { assertUsableStateDir } from "../state-dir.js";
import { UsageError } from "../usage-error.js";

function parseData(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  try {
    // An array or a scalar parses here and is refused by the library, which says that data must be an object.
    return JSON.parse(text) as JsonObject;
  } catch (error) {
    throw new UsageError(`--data must be a JSON object, e.g. '{"file":"a.csv"}': ${(error as Error).message}.`);
  }
}

const ADD_FLAGS = {
  workflow: { type: "string", short: "w" },
  data: { type: "string" },
  parent: { type: "string" },
  priority: { type: "string" },
  "depends-on": { type: "string", multiple: true },
  paths: { type: "string", multiple: true },
} as const;

export const addCommand: CliCommand = {
  synopsis: "add TYPE [-w W] [--data JSON] [--parent ID] [--priority N] [--depends-on ID…] [--paths P…]",
  flags: ADD_FLAGS,
  summary: "Create a pending task of type TYPE and print its id.",
  details: `Flags:
  -w, --workflow W             the workflow (default "${DEFAULT_WORKFLOW}"); its state file is created if missing
  --data JSON                  the task's data, a JSON object (default {})
  --parent ID                  the parent task, in the same workflow
  --priority N                 higher is claimed first (default 0; negative allowed)
  --depends-on ID              a task that must be completed first; repeat the flag or
                               separate ids with commas for several
  --paths P                    a path or glob, relative to the repository, that the task will touch
                               (src/auth/**); repeat the flag or separate paths with commas (a comma
                               inside {…} belongs to the glob). While an agent holds the task, no
                               other agent is given a task whose paths overlap these

Prints the new id alone (--json: the whole task). TYPE is 1-64 letters, digits, '.', '_' or '-'.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, ADD_FLAGS);
    expectPositionals(positionals, 1, addCommand.synopsis);
    const type = positionals[0];
    if (type === undefined) throw new UsageError(`which type of task? usage: task-manager-mcp ${addCommand.synopsis}.`);
    const data = parseData(values.data);
    const priority = integerFlag(values.priority, "--priority", "10");
    const dependsOn = listFlag(values["depends-on"]);
    // Checked here, so a bad path is named as the flag's before anything is opened; the library checks again.
    const paths = values.paths === undefined ? undefined : pathListFlag(values.paths).map((path) => normalisePath(path, "--paths"));
    const context = openContext(values);
    const workflow = values.workflow ?? DEFAULT_WORKFLOW;
    const tm = context.workflows.get(workflow); // refuses a workflow name that is not allowed, before any disk access
    await assertUsableStateDir(context.config.stateDir);
    const [task] = await tm.createTasks([
      {
        type,
        ...(data !== undefined && { data }),
        ...(values.parent !== undefined && { parentId: values.parent }),
        ...(priority !== undefined && { priority }),
        ...(dependsOn.length > 0 && { dependsOn }),
        ...(paths !== undefined && { paths }),
      },
    ]);
    if (task === undefined) throw new Error("createTasks returned no task");
    if (context.json) return writeJson({ workflow, task: withoutIdleClaim(task) });
    write(task.id);
  },
};
