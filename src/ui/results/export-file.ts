import { EXPORT_FORMATS, exportPath, inputsCsv, inputsCsvPath, renderExport, type ExportFormat, type ExportTable } from '../../pipeline/export.js';
import { writeFileAtomic } from '../../util/atomic.js';

/** The export's file stem: the pane, and the view shown when it has several, so one view's export never overwrites another's. */
export function exportStem(pane: string, view?: string): string {
  const slug = (view ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return slug ? `${pane}-${slug}` : pane;
}

/**
 * Writes the table to sessions/<s>/exports/<pane>.<ext> atomically and returns the path; a CSV's
 * inputs go beside it in <pane>.inputs.csv (JSON and Markdown carry theirs inside).
 */
export function writeExport(sessionDir: string, table: ExportTable, format: ExportFormat): string {
  const path = exportPath(sessionDir, table.pane, format);
  const inputs = format === 'csv' ? inputsCsv(table) : null;
  if (inputs !== null) writeFileAtomic(inputsCsvPath(path), inputs);
  writeFileAtomic(path, renderExport(table, format));
  return path;
}

export function nextFormat(format: ExportFormat): ExportFormat {
  return EXPORT_FORMATS[(EXPORT_FORMATS.indexOf(format) + 1) % EXPORT_FORMATS.length];
}
