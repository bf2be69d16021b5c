import { existsSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { readJsonl } from '../../util/jsonl.js';
import type { Example } from '../../domain/example.js';
import type { DataConfig, MultiTurnPolicy } from '../../domain/session.js';
import { readCsvRecords } from './csv.js';
import { historyProblem, parseTurns, splitConversation } from './turns.js';

/** A record the loader could not use, with where it is and why. */
export interface DataIssue {
  file: string;
  line: number;
  reason: string;
}

export interface LoadedData {
  examples: Example[];
  issues: DataIssue[];
  /** Records with earlier turns, whatever became of them under the multi-turn policy. */
  multiTurn: number;
}

/** The session's field mapping; the multi-turn fields may be left out where none are expected. */
type Fields = Omit<DataConfig['fields'], 'history'> & { history?: string };
type Format = 'jsonl' | 'csv' | 'parquet';

export function detectFormat(path: string, declared?: Format): Format {
  if (declared) return declared;
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw new Error(`cannot tell the format of ${path}: use .jsonl, .csv or .parquet, or set data.source.format`);
}

/**
 * Map one raw record to an Example. Instruction and response are required non-empty strings
 * (taken from the last exchange of a conversation field, when one is mapped); context, category
 * and earlier turns are optional. Returns the reason when the record is unusable.
 */
export function mapRecord(raw: unknown, fields: Fields, id: string): Example | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'not an object';
  const rec = raw as Record<string, unknown>;
  const text = (key: string, required: boolean): string | { missing: string } => {
    const v = rec[key];
    if (v === undefined || v === null) return required ? { missing: `missing field "${key}"` } : '';
    if (typeof v !== 'string') return required ? { missing: `field "${key}" is not text` } : String(v);
    if (required && !v.trim()) return { missing: `field "${key}" is empty` };
    return v;
  };
  const context = text(fields.context, false) as string;
  const category = text(fields.category, false) as string;
  if (fields.messages !== undefined) return conversationRecord(rec[fields.messages], fields.messages, { id, context, category });
  const instruction = text(fields.instruction, true);
  if (typeof instruction !== 'string') return `${instruction.missing} (map the instruction field)`;
  const response = text(fields.response, true);
  if (typeof response !== 'string') return `${response.missing} (map the response field)`;
  const example: Example = { id, instruction, context, response, category };
  const earlier = fields.history === undefined ? undefined : rec[fields.history];
  if (earlier === undefined || earlier === null || earlier === '') return example;
  const history = parseTurns(earlier);
  if (typeof history === 'string') return `field "${fields.history}" ${history} (map the history field, or set it to a field that does not exist)`;
  const problem = historyProblem(history);
  if (problem) return `field "${fields.history}": ${problem}`;
  return history.length ? { ...example, history } : example;
}

function conversationRecord(value: unknown, field: string, rest: Pick<Example, 'id' | 'context' | 'category'>): Example | string {
  if (value === undefined || value === null) return `missing field "${field}" (map the conversation field)`;
  const turns = parseTurns(value);
  if (typeof turns === 'string') return `field "${field}" ${turns}`;
  const exchange = splitConversation(turns);
  if (typeof exchange === 'string') return `field "${field}" ${exchange}`;
  const problem = historyProblem(exchange.history);
  if (problem) return `field "${field}": ${problem}`;
  if (!exchange.instruction.trim() || !exchange.response.trim()) return `field "${field}" has an empty last instruction or response`;
  const { history, instruction, response } = exchange;
  return { ...rest, instruction, response, ...(history.length ? { history } : {}) };
}

/** Raw records with their 1-based line (or row) numbers; `limit` stops after the first so many (a preview). */
export async function* rawRecords(path: string, format: Format, onIssue: (issue: DataIssue) => void, limit = Infinity): AsyncGenerator<{ line: number; value: unknown }> {
  let records: AsyncIterable<{ line: number; value: unknown }>;
  switch (format) {
    case 'jsonl':
      records = readJsonl(path, { onIssue });
      break;
    case 'csv':
      records = readCsvRecords(path);
      break;
    case 'parquet': {
      // Parquet is read in row ranges: a preview reads only the rows it shows.
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path), ...(Number.isFinite(limit) ? { rowEnd: limit } : {}) });
      records = (async function* () {
        for (let i = 0; i < rows.length; i++) yield { line: i + 1, value: rows[i] };
      })();
      break;
    }
  }
  let n = 0;
  for await (const record of records) {
    if (n++ >= limit) return;
    yield record;
  }
}

/**
 * Load a human instruction dataset from JSONL, CSV or Parquet with mapped field names.
 * Malformed records are reported with file and line; `strict` stops at the first one.
 */
export async function loadDatasetFile(
  path: string,
  opts: { fields: Fields; format?: Format; strict?: boolean; baseDir?: string; multiTurn?: MultiTurnPolicy },
): Promise<LoadedData> {
  const file = resolve(opts.baseDir ?? process.cwd(), path);
  if (!existsSync(file)) {
    // A relative path depends on where baskets was started from: say so, since that is the usual cause.
    const relative = isAbsolute(path) ? '' : ` (data.source.path "${path}" is relative, so it was looked up from ${opts.baseDir ?? process.cwd()})`;
    throw new Error(`dataset file not found: ${file}${relative} — set data.source.path to the file's absolute path`);
  }
  const format = detectFormat(file, opts.format);
  const issues: DataIssue[] = [];
  const examples: Example[] = [];
  let multiTurn = 0;
  const fail = (issue: DataIssue) => {
    if (opts.strict) throw new Error(`${issue.file}:${issue.line}: ${issue.reason} (--strict stops at the first bad record)`);
    issues.push(issue);
  };
  try {
    for await (const { line, value } of rawRecords(file, format, fail)) {
      const mapped = mapRecord(value, opts.fields, String(line));
      if (typeof mapped === 'string') fail({ file, line, reason: mapped });
      else if (!mapped.history) examples.push(mapped);
      else {
        multiTurn++;
        if (opts.multiTurn === 'skip') continue;
        if (opts.multiTurn === 'last-turn') delete mapped.history;
        examples.push(mapped);
      }
    }
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.includes('--strict')) throw err;
    throw new Error(`cannot read ${file} as ${format}: ${msg.split('\n')[0]}`);
  }
  return { examples, issues, multiTurn };
}
