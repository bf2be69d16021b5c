import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { deriveSeed, mulberry32, sample } from '../../util/rng.js';
import { detectFormat, rawRecords, type DataIssue } from '../data/load.js';
import type { Example } from '../../domain/example.js';
import type { EvaluationConfig, Session } from '../../domain/session.js';
import { BUILTIN_HARMFUL_PROMPTS } from './harmful-prompts.js';
import { cellText, filterColumns, parseRowFilter, rowMatches } from '../../domain/row-filter.js';

/**
 * The test instructions an evaluation uses: a seeded sample, fixed by the session seed and the
 * purpose, so every model answers the same items and a rerun picks the same ones.
 */
export function sampleTestExamples(examples: readonly Example[], count: number, sessionSeed: number, purpose: string): Example[] {
  return sample(examples, count, mulberry32(deriveSeed(sessionSeed, `evaluate/${purpose}`)));
}

export interface HarmfulPrompts {
  /** Where they came from: the file, or "builtin". */
  origin: string;
  /** As examples (instruction = the prompt), so the answering machinery takes them as they are. */
  prompts: Example[];
}

type SafetyConfig = EvaluationConfig['safety'];

/** What a harmful-prompt file holds once read: its columns, rows, and the prompts the settings pick from it. */
export interface PromptFileReading {
  file: string;
  columns: string[];
  /** Rows read (records that are not objects are counted in issues instead). */
  rows: number;
  /** Rows the filter keeps. */
  kept: number;
  /** Kept rows whose prompt is missing or empty: left out. */
  empty: number;
  /** The prompts, in file order, before the limit. */
  prompts: Example[];
  issues: DataIssue[];
}

/** Separates a HarmBench context from its request, as HarmBench's own contextual test cases do. */
export const CONTEXT_SEPARATOR = '\n\n---\n\n';

const asExample = (id: string, prompt: string): Example => ({ id, instruction: prompt, context: '', response: '', category: 'harmful' });

/**
 * Read a harmful-prompt file with the settings of `evaluation.safety`: every row's columns, the
 * rows the filter keeps, and from each its prompt (the context, when a row has one, before it).
 * Ids are the rows' line numbers, so a filter or limit never renames a prompt. Throws a
 * one-line error when the file cannot be found or read; `safetyPromptProblems` says the rest.
 */
export async function readPromptFile(cfg: SafetyConfig & { promptsPath: string }): Promise<PromptFileReading> {
  const file = resolve(cfg.promptsPath);
  const setting = `evaluation.safety.promptsPath "${cfg.promptsPath}"`;
  if (!existsSync(file)) throw new Error(`${setting}: no such file — give the harmful-prompt file's absolute path, or leave it empty for the builtin set`);
  if (!statSync(file).isFile()) throw new Error(`${setting} is not a file — give a .jsonl, .csv or .parquet file`);
  const format = detectFormat(file);
  const clauses = parseRowFilter(cfg.filter ?? '');
  const issues: DataIssue[] = [];
  const columns = new Set<string>();
  const reading: PromptFileReading = { file, columns: [], rows: 0, kept: 0, empty: 0, prompts: [], issues };
  try {
    for await (const { line, value } of rawRecords(file, format, (issue) => issues.push(issue))) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        issues.push({ file, line, reason: 'not an object' });
        continue;
      }
      const record = value as Record<string, unknown>;
      for (const column of Object.keys(record)) columns.add(column);
      reading.rows++;
      if (!rowMatches(clauses, record)) continue;
      reading.kept++;
      const prompt = cellText(record[cfg.promptField]).trim();
      if (!prompt) {
        reading.empty++;
        continue;
      }
      const context = cfg.contextField ? cellText(record[cfg.contextField]).trim() : '';
      reading.prompts.push(asExample(`p${line}`, context ? `${context}${CONTEXT_SEPARATOR}${prompt}` : prompt));
    }
  } catch (err) {
    throw new Error(`cannot read ${file} as ${format}: ${(err as Error).message.split('\n')[0]}`);
  }
  reading.columns = [...columns];
  return reading;
}

/**
 * What is wrong with a read prompt file under these settings, one line each: a prompt, context
 * or filter column the file does not have, a filter that keeps nothing, no prompt left.
 */
export function promptFileProblems(cfg: SafetyConfig, reading: PromptFileReading): string[] {
  const problems: string[] = [];
  const has = (column: string) => reading.columns.includes(column);
  const listed = reading.columns.length ? `its columns: ${reading.columns.join(', ')}` : 'it has no rows';
  if (!has(cfg.promptField)) problems.push(`evaluation.safety.promptField "${cfg.promptField}" is not a column of ${reading.file} (${listed}) — set it to the column that holds the prompts`);
  if (cfg.contextField && !has(cfg.contextField)) problems.push(`evaluation.safety.contextField "${cfg.contextField}" is not a column of ${reading.file} (${listed}) — choose one or leave it empty`);
  const missing = filterColumns(parseRowFilter(cfg.filter ?? '')).filter((c) => !has(c));
  if (missing.length) problems.push(`evaluation.safety.filter reads ${missing.map((c) => `"${c}"`).join(', ')}, not a column of ${reading.file} (${listed}) — fix the filter`);
  if (problems.length) return problems;
  if (reading.rows === 0) problems.push(`${reading.file} holds no rows${reading.issues[0] ? ` (line ${reading.issues[0].line}: ${reading.issues[0].reason})` : ''} — choose another harmful-prompt file`);
  else if (reading.kept === 0) problems.push(`evaluation.safety.filter "${cfg.filter}" keeps none of the ${reading.rows} rows of ${reading.file} — loosen it (values compare exactly, case included)`);
  else if (reading.prompts.length === 0) problems.push(`every row the filter keeps in ${reading.file} has an empty "${cfg.promptField}" — set evaluation.safety.promptField to the column that holds the prompts`);
  return problems;
}

/**
 * Whether the safety settings' prompts can be had, before any run: the file exists, parses,
 * has the named columns, and its filter keeps at least one prompt. No file: the builtin set.
 */
export async function safetyPromptProblems(session: Session): Promise<string[]> {
  const cfg = session.evaluation.safety;
  if (!cfg.enabled || !cfg.promptsPath) return [];
  try {
    return promptFileProblems(cfg, await readPromptFile({ ...cfg, promptsPath: cfg.promptsPath }));
  } catch (err) {
    return [(err as Error).message];
  }
}

/**
 * The harmful prompts of `evaluation.safety`: the prompt file's `promptField` (AdvBench's
 * `goal` by default) on the rows its filter keeps, or the builtin generic set, cut to `limit`.
 */
export async function loadHarmfulPrompts(session: Session): Promise<HarmfulPrompts> {
  const cfg = session.evaluation.safety;
  let origin = 'builtin';
  let prompts: Example[];
  if (cfg.promptsPath) {
    origin = cfg.promptsPath;
    const reading = await readPromptFile({ ...cfg, promptsPath: cfg.promptsPath });
    const problem = promptFileProblems(cfg, reading)[0];
    if (problem) throw new Error(problem);
    prompts = reading.prompts;
  } else {
    prompts = BUILTIN_HARMFUL_PROMPTS.map((p, i) => asExample(`b${i + 1}`, p));
  }
  return { origin, prompts: cfg.limit ? prompts.slice(0, cfg.limit) : prompts };
}
