/**
 * How the Results grid fits the terminal: 3 columns from 180 columns, 2 from 100, else 1;
 * as many rows of panes as fit at a readable height, scrolled so the focused pane shows.
 */

export const MIN_PANE_HEIGHT = 8;

export function gridColumns(width: number): number {
  return width >= 180 ? 3 : width >= 100 ? 2 : 1;
}

export interface GridLayout {
  columns: number;
  paneWidth: number;
  paneHeight: number;
  /** Indices of the panes drawn, in order. */
  visible: number[];
  /** Rows of panes not drawn, above and below. */
  hiddenAbove: number;
  hiddenBelow: number;
}

export function gridLayout(count: number, width: number, height: number, focused: number): GridLayout {
  const columns = Math.min(gridColumns(width), Math.max(1, count));
  const rows = Math.ceil(count / columns);
  const fit = Math.max(1, Math.min(rows, Math.floor(height / MIN_PANE_HEIGHT)));
  const focusRow = Math.floor(Math.max(0, Math.min(count - 1, focused)) / columns);
  const first = Math.max(0, Math.min(focusRow - Math.floor((fit - 1) / 2), rows - fit));
  const visible: number[] = [];
  for (let i = first * columns; i < Math.min(count, (first + fit) * columns); i++) visible.push(i);
  return {
    columns,
    paneWidth: Math.floor(width / columns),
    paneHeight: Math.max(1, Math.floor(height / fit)),
    visible,
    hiddenAbove: first,
    hiddenBelow: rows - first - fit,
  };
}

/** A bordered pane of `width` × `height` leaves this much for its content: borders, padding and the title line. */
export function paneInner(width: number, height: number): { width: number; height: number } {
  return { width: Math.max(1, width - 4), height: Math.max(1, height - 3) };
}
