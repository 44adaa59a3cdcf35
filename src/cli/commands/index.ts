/** The subcommands by name, in the order --help lists them; none given runs the server. */
import type { CliCommand } from "../command.js";
import { addCommand } from "./add.js";
import { cancelCommand } from "./cancel.js";
import { dashboardCommand } from "./dashboard.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { releaseCommand } from "./release.js";
import { reservationsCommand } from "./reservations.js";
import { showCommand } from "./show.js";
import { summaryCommand } from "./summary.js";
import { tasksCommand } from "./tasks.js";
import { watchCommand } from "./watch.js";
import { workflowsCommand } from "./workflows.js";

export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  workflows: workflowsCommand,
  summary: summaryCommand,
  tasks: tasksCommand,
  show: showCommand,
  reservations: reservationsCommand,
  add: addCommand,
  release: releaseCommand,
  cancel: cancelCommand,
  watch: watchCommand,
  dashboard: dashboardCommand,
  export: exportCommand,
  import: importCommand,
};
