import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { detectFormat, rawRecords } from '../pipeline/data/load.js';

/**
 * The first few records of a dataset file, for the wizard's preview and field mapping. Values
 * are returned raw: the table that shows them sanitises every cell.
 */

export interface DatasetPreview {
  file: string;
  columns: string[];
  records: Record<string, unknown>[];
}

export type PathCheck = { ok: true; file: string } | { ok: false; reason: string };

/**
 * The path the session saves: absolute, so a later run from another directory finds the same
 * file; `~/` is expanded, as no shell does it for a path typed into the TUI. Empty stays empty.
 */
export function absoluteDatasetPath(typed: string, cwd = process.cwd()): string {
  const path = typed.trim();
  if (!path) return '';
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? resolve(path) : resolve(cwd, path);
}

export function checkDatasetPath(path: string, cwd = process.cwd()): PathCheck {
  if (!path.trim()) return { ok: false, reason: 'give the path of a .jsonl, .csv or .parquet file' };
  const file = absoluteDatasetPath(path, cwd);
  if (!existsSync(file)) return { ok: false, reason: 'no such file' };
  if (!statSync(file).isFile()) return { ok: false, reason: 'not a file' };
  try {
    detectFormat(file);
  } catch {
    return { ok: false, reason: 'use a .jsonl, .csv or .parquet file' };
  }
  return { ok: true, file };
}

async function firstRecords(file: string, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  // Malformed lines are the loader's to report; a preview shows what reads.
  for await (const { value } of rawRecords(file, detectFormat(file), () => {}, n)) out.push(value);
  return out;
}

export async function previewDataset(file: string, n = 5): Promise<DatasetPreview> {
  const records = (await firstRecords(file, n)).filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r));
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return { file, columns, records };
}
