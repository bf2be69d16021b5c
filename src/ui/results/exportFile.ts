import { EXPORT_FORMATS, exportPath, renderExport, type ExportFormat, type ExportTable } from '../../pipeline/export.js';
import { writeFileAtomic } from '../../util/atomic.js';

/** Writes the table to sessions/<s>/exports/<pane>.<ext> atomically and returns the path. */
export function writeExport(sessionDir: string, table: ExportTable, format: ExportFormat): string {
  const path = exportPath(sessionDir, table.pane, format);
  writeFileAtomic(path, renderExport(table, format));
  return path;
}

export function nextFormat(format: ExportFormat): ExportFormat {
  return EXPORT_FORMATS[(EXPORT_FORMATS.indexOf(format) + 1) % EXPORT_FORMATS.length];
}
