/**
 * `watch [W]`: a live terminal summary. It re-reads the state when a state file changes
 * (the state directory watcher the MCP server's waits and subscriptions use, so any
 * process's change shows within moments) and, on a terminal, redraws every second so
 * lease countdowns move. Piped to a file or a program, it prints one snapshot per change.
 */
import { isTaskManagerError } from "../../core/errors.js";
import type { Task } from "../../core/schema.js";
import { overviewOfAll, type WorkflowOverview } from "../../workflow-overview.js";
import { allTasks } from "../all-tasks.js";
import { expectPositionals, openContext, parseCommandLine, type CliCommand, type CommandContext } from "../command.js";
import { describeLease } from "../format/lease.js";
import { renderTable } from "../format/table.js";
import { printable } from "../format/text.js";
import { renderSnapshot, snapshotOf, type WorkflowSnapshot } from "./summary.js";
import { renderOverviews } from "./workflows.js";

type View =
  | { kind: "workflow"; snapshot: WorkflowSnapshot }
  | { kind: "missing"; workflow: string }
  | { kind: "all"; overviews: WorkflowOverview[]; held: { workflow: string; task: Task }[] }
  | { kind: "error"; message: string };

/** Changes closer together than this are read once: a busy queue must not turn the watcher into a hot loop. */
const SETTLE_MS = 100;
const COUNTDOWN_MS = 1_000;

async function load(context: CommandContext, workflow: string | undefined): Promise<View> {
  try {
    if (workflow !== undefined) {
      const exists = (await context.workflows.list()).includes(workflow);
      if (!exists) return { kind: "missing", workflow };
      return { kind: "workflow", snapshot: await snapshotOf(context, workflow) };
    }
    const overviews = await overviewOfAll(context.workflows);
    const held: { workflow: string; task: Task }[] = [];
    for (const overview of overviews) {
      if (overview.error || (overview.status_counts?.in_progress ?? 0) === 0) continue;
      for (const task of await allTasks(context.workflows.get(overview.name), { status: "in_progress" })) {
        held.push({ workflow: overview.name, task });
      }
    }
    return { kind: "all", overviews, held };
  } catch (error) {
    // A corrupt file, a lock held too long: shown in place, and the watch goes on.
    if (isTaskManagerError(error)) return { kind: "error", message: `${error.code}: ${error.message}` };
    throw error;
  }
}

function render(context: CommandContext, view: View): string {
  const { style } = context;
  switch (view.kind) {
    case "workflow":
      return renderSnapshot(context, view.snapshot);
    case "missing":
      return `${style.dim(`no workflow "${view.workflow}" in ${context.config.stateDir} yet; waiting for it to appear.`)}\n`;
    case "error":
      return `${style.red(printable(view.message))}\n`;
    case "all": {
      let text = renderOverviews(context, view.overviews);
      if (view.held.length > 0) {
        const now = context.now();
        text += `\n${style.bold("Held now:")}\n${renderTable(
          [{ header: "TASK" }, { header: "WORKFLOW" }, { header: "HOLDER" }, { header: "ATTEMPT", align: "right" }, { header: "LEASE" }],
          view.held.map(({ workflow, task }) => [
            task.id,
            workflow,
            printable(task.locked_by ?? "?"),
            String(task.attempts),
            describeLease(task, now, context.staleAfterMs, style),
          ]),
          style,
        )}`;
      }
      return text;
    }
  }
}

export const watchCommand: CliCommand = {
  synopsis: "watch [W]",
  flags: {},
  summary: "A live summary of one workflow, or of every workflow and who holds what; Ctrl-C ends it.",
  details: `On a terminal the screen is redrawn whenever a state file changes (by any process) and every
second for the lease countdowns. When stdout is not a terminal, one snapshot is printed per change,
separated by a line with the time (--json: one JSON object per line).`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, {});
    expectPositionals(positionals, 1, watchCommand.synopsis);
    const context = openContext(values);
    const workflow = positionals[0];
    if (workflow !== undefined) context.workflows.stateFileOf(workflow); // a name that is not allowed: refused now, exit 1
    const live = process.stdout.isTTY === true && !context.json;

    let view = await load(context, workflow);
    let lastPrinted = "";
    const draw = (): void => {
      if (context.json) {
        const line = JSON.stringify(view);
        if (line !== lastPrinted) process.stdout.write(`${line}\n`);
        lastPrinted = line;
        return;
      }
      const body = render(context, view);
      if (live) {
        const footer = context.style.dim(`${new Date().toLocaleTimeString()} · watching ${context.config.stateDir} · Ctrl-C to quit`);
        // Home, draw, clear what is left of the previous frame: no flicker from clearing first.
        process.stdout.write(`\u001b[H${body.replace(/\n/g, "\u001b[K\n")}\n${footer}\u001b[K\u001b[J`);
      } else if (body !== lastPrinted) {
        process.stdout.write(`${lastPrinted === "" ? "" : "\n"}-- ${new Date().toISOString()}\n${body}`);
        lastPrinted = body;
      }
    };

    let stop: () => void = () => undefined;
    let fail: (error: unknown) => void = () => undefined;
    const finished = new Promise<void>((resolve, reject) => {
      stop = resolve;
      fail = reject;
    });

    let reading = false;
    let again = false;
    const refresh = async (): Promise<void> => {
      if (reading) {
        again = true; // one more read after this one, which then sees everything up to now
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          view = await load(context, workflow);
          draw();
        } while (again);
      } finally {
        reading = false;
      }
    };
    let settle: NodeJS.Timeout | null = null;
    const unwatch = context.workflows.watch((change) => {
      if (workflow !== undefined && change.workflow !== workflow) return;
      settle ??= setTimeout(() => {
        settle = null;
        refresh().catch(fail);
      }, SETTLE_MS);
    });
    // Also what keeps the process running: the directory watcher does not (it serves servers that must exit with their client).
    const ticker = setInterval(() => {
      if (live) draw();
    }, COUNTDOWN_MS);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (live) process.stdout.write("\u001b[?25h\n"); // give the cursor back
      stop();
    };
    process.on("SIGINT", end);
    process.on("SIGTERM", end);

    if (live) process.stdout.write("\u001b[?25l\u001b[2J"); // hide the cursor, start from a clean screen
    draw();
    try {
      await finished;
    } finally {
      unwatch();
      clearInterval(ticker);
      if (settle) clearTimeout(settle);
      process.removeListener("SIGINT", end);
      process.removeListener("SIGTERM", end);
    }
    await finished;
  },
};
