/** Options every chart takes: the pane it must fit and how it may draw. */
export interface ChartOptions {
  /** Columns available; no output line is wider (in terminal cells). */
  width: number;
  /** Rows available; the output has at most this many lines. */
  height: number;
  /** ANSI colour through the semantic palette (default off). */
  color?: boolean;
  /** Plain printable ASCII only: no box drawing, block elements or braille. */
  ascii?: boolean;
  title?: string;
}

