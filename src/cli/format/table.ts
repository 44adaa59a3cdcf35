/**
 * Plain column tables for terminals: left-aligned text, right-aligned numbers, two
 * spaces between columns, no borders, so the output also reads well in a log file
 * and `grep`/`awk` can take it apart.
 */
import type { Style } from "./style.js";
import { visibleWidth } from "./text.js";

export interface Column {
  header: string;
  align?: "left" | "right";
}

/**
 * A row that says something instead of filling every column (an error, say): its cells
 * fill the first columns, and `note` follows them without widening the columns it spans.
 */
export interface NoteRow {
  cells: readonly string[];
  note: string;
}

export type Row = readonly string[] | NoteRow;

function isNoteRow(row: Row): row is NoteRow {
  return !Array.isArray(row);
}

/** Cells are already printable (see text.ts) and may carry colour. */
export function renderTable(columns: readonly Column[], rows: readonly Row[], style: Style): string {
  const cellsOf = (row: Row): readonly string[] => (isNoteRow(row) ? row.cells : row);
  const widths = columns.map((column, index) =>
    Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(cellsOf(row)[index] ?? ""))),
  );
  const padded = (cells: readonly string[], count: number, decorate: (text: string) => string): string[] =>
    columns.slice(0, count).map((column, index) => {
      const cell = cells[index] ?? "";
      const padding = " ".repeat((widths[index] ?? 0) - visibleWidth(cell));
      return column.align === "right" ? padding + decorate(cell) : decorate(cell) + padding;
    });
  const line = (cells: readonly string[], decorate: (text: string) => string = (text) => text): string =>
    padded(cells, columns.length, decorate).join("  ").trimEnd();
  const noteLine = (row: NoteRow): string => [...padded(row.cells, row.cells.length, (text) => text), row.note].join("  ").trimEnd();
  const header = line(
    columns.map((column) => column.header),
    style.bold,
  );
  return [header, ...rows.map((row) => (isNoteRow(row) ? noteLine(row) : line(row)))].join("\n") + "\n";
}
