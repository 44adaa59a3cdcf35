/**
 * Text from a state file reaches a person's terminal: task data, results and history
 * are written by agents (or by hand), so control characters are shown escaped instead
 * of being sent to the terminal, where they could move the cursor or rewrite the screen.
 */

// C0 and C1 control characters, DEL included. Tabs and newlines are escaped too: one cell, one line.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Like printable, for a block of lines (pretty-printed JSON): newlines are kept, other controls escaped. */
export function printableLines(text: string): string {
  return text.split("\n").map(printable).join("\n");
}

/** At most `max` characters, the cut marked with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

// The escape sequences this package's own Style writes.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/** The width a string takes on screen, not counting colour codes. */
export function visibleWidth(text: string): number {
  return text.replace(SGR, "").length;
}
