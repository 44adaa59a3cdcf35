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

/** Cells are already printable (see text.ts) and may carry colour. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], style: Style): string {
  const widths = columns.map((column, index) =>
    Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(row[index] ?? ""))),
  );
  const line = (cells: readonly string[], decorate: (text: string) => string = (text) => text): string =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? "";
        const padding = " ".repeat((widths[index] ?? 0) - visibleWidth(cell));
        const last = index === columns.length - 1;
        if (column.align === "right") return padding + decorate(cell);
        return decorate(cell) + (last ? "" : padding);
      })
      .join("  ")
      .trimEnd();
  const header = line(
    columns.map((column) => column.header),
    style.bold,
  );
  return [header, ...rows.map((row) => line(row))].join("\n") + "\n";
}
