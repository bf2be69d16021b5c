/**
 * `baskets metrics <file.jsonl>`: every text metric of DESIGN.md §1 for a file of records.
 */
import { existsSync, statSync } from 'node:fs';
import { readJsonl } from '../util/jsonl.js';
import { ConfigError } from '../domain/errors.js';
import { safeJson, sanitizeLine } from '../util/sanitize.js';
import { displayWidth, pad } from '../util/text-width.js';
import { textMetrics, textMetricsJson, type TextMetrics, type TextRecord } from '../metrics/index.js';
import type { MetricValue } from '../metrics/value.js';

export interface MetricsCommandOptions {
  /** Text field of each record (default "response"). */
  field?: string;
  /** Embedding field (default "embedding"); used where present. */
  vectorField?: string;
  /** Token log-prob field (default "logprobs", natural log); used where present. */
  logprobsField?: string;
  json?: boolean;
  out: (s: string) => void;
  /** Where the records' problems go (stderr), so they never mix into the table or the JSON. */
  warn: (s: string) => void;
}

function isNumberArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** Runs the command; a missing file or field is a one-line ConfigError (exit 2). */
export async function metricsCommand(file: string, opts: MetricsCommandOptions): Promise<number> {
  const field = opts.field ?? 'response';
  const vectorField = opts.vectorField ?? 'embedding';
  const logprobsField = opts.logprobsField ?? 'logprobs';
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new ConfigError(`${file} does not exist or is not a file: give the path of a JSONL file of records`);
  }
  const issues: string[] = [];
  const records: TextRecord[] = [];
  let lines = 0;
  let firstVector: { line: number; length: number } | undefined;
  for await (const { line, value } of readJsonl<unknown>(file, { onIssue: (i) => issues.push(`${i.file}:${i.line}: ${i.reason}`) })) {
    lines++;
    const rec = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    const text = rec?.[field];
    if (typeof text !== 'string') {
      issues.push(`${file}:${line}: no string field "${field}"; record skipped`);
      continue;
    }
    const record: TextRecord = { text };
    const vector = rec![vectorField];
    if (vector !== undefined) {
      if (!isNumberArray(vector)) issues.push(`${file}:${line}: "${vectorField}" is not an array of numbers; vector ignored`);
      else if (firstVector && vector.length !== firstVector.length) {
        throw new ConfigError(`${file}:${line}: "${vectorField}" has ${vector.length} dimensions but the one on line ${firstVector.line} has ${firstVector.length}: all vectors must come from one model`);
      } else {
        firstVector ??= { line, length: vector.length };
        record.vector = vector;
      }
    }
    const logprobs = rec![logprobsField];
    if (logprobs !== undefined) {
      if (isNumberArray(logprobs)) record.logprobs = logprobs;
      else issues.push(`${file}:${line}: "${logprobsField}" is not an array of finite numbers; log-probs ignored`);
    }
    records.push(record);
  }
  if (records.length === 0) {
    throw new ConfigError(
      lines === 0
        ? `${file} has no JSON records: give a JSONL file with one object per line`
        : `no record in ${file} has a string field "${field}": choose the text field with --field`,
    );
  }
  let metrics: TextMetrics;
  try {
    metrics = textMetrics(records);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (opts.json) {
    opts.out(safeJson({ ...textMetricsJson(metrics), issues }));
    return 0;
  }
  for (const issue of issues) opts.warn(`warning: ${sanitizeLine(issue)}`);
  opts.out(formatTable(metrics));
  return 0;
}

function fmt(x: MetricValue, digits = 4): string {
  return x.value === null ? `—  (${x.reason})` : x.value.toFixed(digits);
}

/** The readable, aligned table of the plain output. */
export function formatTable(m: TextMetrics): string {
  const rows: [string, string][] = [
    ['documents', String(m.docs)],
    ['tokens', String(m.tokens)],
    ['types', String(m.types)],
    ['TTR', fmt(m.ttr)],
    ...([1, 2, 3, 4] as const).map((n): [string, string] => [`distinct-${n}`, fmt(m.distinct[n])]),
    ['MATTR (window 50)', fmt(m.mattr)],
    ['MTLD (0.72)', fmt(m.mtld, 2)],
    ['compression ratio (gzip; higher = less diverse)', fmt(m.compressionRatio, 3)],
    [
      `Self-BLEU, cross-response (0–1; ${m.crossSelfBleu.hypotheses} hypotheses${m.crossSelfBleu.sampled ? ', sampled' : ''})`,
      fmt(m.crossSelfBleu.selfBleu),
    ],
    [
      `lexical diversity, 100 − Self-BLEU (${m.withinSelfBleu.scored} scored, ${m.withinSelfBleu.skipped} skipped)`,
      fmt(m.withinSelfBleu.lexicalDiversity, 2),
    ],
  ];
  const heaps = m.heaps.logLog.value;
  rows.push(['Heaps (log-log, every prefix)', heaps ? `K ${heaps.k.toFixed(3)}  β ${heaps.beta.toFixed(4)}  R² ${heaps.r2.toFixed(4)}` : `—  (${m.heaps.logLog.reason})`]);
  const paper = m.heaps.paper.value;
  rows.push(["Heaps (paper: every 1000, NLS)", paper ? `K ${paper.k.toFixed(3)}  β ${paper.beta.toFixed(4)}  R² ${paper.r2.toFixed(4)}` : `—  (${m.heaps.paper.reason})`]);
  if (m.semantic) {
    rows.push([`mean pairwise cosine distance (${m.semantic.vectors} vectors)`, fmt(m.semantic.meanCosineDistance)]);
    rows.push(['Vendi score', fmt(m.semantic.vendi, 3)]);
  }
  if (m.perplexity) {
    rows.push([`perplexity, mean per response (${m.perplexity.responses})`, fmt(m.perplexity.mean, 3)]);
    rows.push([`perplexity, corpus (${m.perplexity.tokens} tokens)`, fmt(m.perplexity.corpus, 3)]);
    rows.push(['bits per byte', fmt(m.perplexity.bitsPerByte)]);
  }
  const width = Math.max(...rows.map(([k]) => displayWidth(k)));
  return rows.map(([k, v]) => `${pad(k, width)}  ${v}`).join('\n');
}
