/**
 * Colours for a person's terminal only: on when stdout is a TTY (and TERM is not
 * "dumb"), off when NO_COLOR is set, forced with FORCE_COLOR (https://no-color.org,
 * https://force-color.org). Piped into a file or a script, output stays plain text.
 */
import type { TaskStatus } from "../../core/schema.js";

export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  /** The text (the status itself by default) in the status's colour. */
  status(status: TaskStatus | string, text?: string): string;
}

export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if ((env.NO_COLOR ?? "") !== "") return false;
  const forced = env.FORCE_COLOR;
  if (forced !== undefined && forced !== "") return forced !== "0" && forced !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}

export function createStyle(enabled: boolean): Style {
  const sgr = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  const bold = sgr(1, 22);
  const dim = sgr(2, 22);
  const red = sgr(31, 39);
  const green = sgr(32, 39);
  const yellow = sgr(33, 39);
  const cyan = sgr(36, 39);
  const byStatus: Record<string, (text: string) => string> = {
    pending: yellow,
    in_progress: cyan,
    completed: green,
    failed: red,
    cancelled: dim,
  };
  return {
    enabled,
    bold,
    dim,
    red,
    green,
    yellow,
    cyan,
    status: (status, text = status) => (byStatus[status] ?? ((t: string) => t))(text),
  };
}

/** The style for stdout in this process's environment. */
export function stdoutStyle(): Style {
  return createStyle(colourEnabled(process.stdout, process.env));
}
