/**
 * A one-line progress bar on stderr for long transfers (export, import), drawn only
 * when stderr is a terminal and the work is big enough to wait for; otherwise it says
 * nothing, so scripts and logs get only the result. stdout stays the command's own.
 */

/** Below this many tasks a transfer takes a moment; no bar. */
export const PROGRESS_MIN_TASKS = 10_000;
const REDRAW_MS = 100;
const WIDTH = 30;

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    /** Draw at all: a terminal, and enough work. */
    private readonly enabled: boolean,
    private readonly stream: ProgressStream = process.stderr,
  ) {}

  /** A bar on stderr if it is a terminal and `size` (tasks, or bytes over about 3 MB) is large. */
  static forTransfer(label: string, large: boolean, stream: ProgressStream = process.stderr): ProgressBar {
    return new ProgressBar(label, large && stream.isTTY === true, stream);
  }

  /** `fraction` done (0-1), `detail` after it, e.g. "530,000 tasks". Redraws at most ten times a second. */
  update(fraction: number, detail: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS && fraction < 1) return;
    this.lastDraw = now;
    const done = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(done * WIDTH);
    const seconds = ((now - this.started) / 1000).toFixed(0);
    this.stream.write(`\r${this.label} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${(done * 100).toFixed(0).padStart(3)}%  ${detail}  ${seconds} s\u001b[K`);
    this.drawn = true;
  }

  /** Clears the bar, leaving the line for what the command prints next. */
  finish(): void {
    if (this.drawn) this.stream.write("\r\u001b[K");
    this.drawn = false;
  }
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
