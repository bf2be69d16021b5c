import { join } from 'node:path';
import { safeJson, sanitizeLine } from '../util/sanitize.js';
import type { InputLine } from './inputs-description.js';

/**
 * What one results pane shows, as a table, and its CSV / JSON / Markdown forms. Pure: the
 * caller writes the string (atomically) where `exportPath` says.
 *
 * Names of conditions and models come from users and datasets, so every text cell is folded
 * to one line without control characters, and a CSV text cell that a spreadsheet would run as
 * a formula (starting with = + - @) is prefixed with an apostrophe.
 */

export type ExportCell = string | number | boolean | null;

export interface ExportTable {
  /** File-name stem: "perplexity", "diversity", … */
  pane: string;
  title: string;
  columns: string[];
  rows: ExportCell[][];
  /** Caveats that travel with the numbers (heuristic ratings, verdict fallback, …). */
  notes: string[];
  /** What the numbers were made from (files with checksums, seed, models, version). */
  inputs?: InputLine[];
}

export const EXPORT_FORMATS = ['csv', 'json', 'md'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** sessions/<s>/exports/<pane>.<ext> */
export function exportPath(sessionDir: string, pane: string, format: ExportFormat): string {
  return join(sessionDir, 'exports', `${pane.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}`);
}

function text(cell: ExportCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  return typeof cell === 'boolean' ? String(cell) : sanitizeLine(cell);
}

const FORMULA_START = /^[=+\-@]/;

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF rows. */
function csvField(cell: ExportCell): string {
  let value = text(cell);
  if (typeof cell === 'string' && FORMULA_START.test(value)) value = `'${value}`;
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(table: ExportTable): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/**
 * A CSV export's inputs, as a CSV of their own beside it: inside the table they would break
 * every reader that expects one header and rectangular rows.
 */
export function inputsCsv(table: ExportTable): string | null {
  if (!table.inputs?.length) return null;
  return toCsv({ ...table, columns: ['input', 'value'], rows: table.inputs.map((i) => [i.what, i.value]) });
}

/** sessions/<s>/exports/<pane>.inputs.csv: where a CSV export's inputs go. */
export function inputsCsvPath(csvPath: string): string {
  return csvPath.replace(/\.csv$/, '.inputs.csv');
}

/** Rows as objects keyed by column; numbers stay numbers (null where undefined). */
export function toJson(table: ExportTable): string {
  const clean = (cell: ExportCell): ExportCell =>
    typeof cell === 'string' ? sanitizeLine(cell) : typeof cell === 'number' && !Number.isFinite(cell) ? null : cell;
  const rows = table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, clean(row[i] ?? null)])));
  const inputs = (table.inputs ?? []).map((i) => ({ what: sanitizeLine(i.what), value: sanitizeLine(i.value) }));
  return safeJson({ pane: table.pane, title: sanitizeLine(table.title), notes: table.notes.map(sanitizeLine), ...(inputs.length ? { inputs } : {}), rows }, 2) + '\n';
}

function mdCell(cell: ExportCell): string {
  return text(cell).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

export function toMarkdown(table: ExportTable): string {
  const line = (cells: ExportCell[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((r) => typeof r[i] === 'number' || r[i] === null));
  const out = [`## ${mdCell(table.title)}`, '', line(table.columns), `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`, ...table.rows.map(line)];
  if (table.notes.length) out.push('', ...table.notes.map((n) => `- ${mdCell(n)}`));
  if (table.inputs?.length) out.push('', '### Inputs', '', ...table.inputs.map((i) => `- **${mdCell(i.what)}**: ${mdCell(i.value)}`));
  return out.join('\n') + '\n';
}

export function renderExport(table: ExportTable, format: ExportFormat): string {
  switch (format) {
    case 'csv':
      return toCsv(table);
    case 'json':
      return toJson(table);
    case 'md':
      return toMarkdown(table);
  }
}
