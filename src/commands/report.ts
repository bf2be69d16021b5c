/**
 * `baskets report <session> [--format md|csv|json] [--out FILE]`: every evaluation result of a
 * session with its interval and n, per target and condition. Results hold numbers only, never
 * answers or keys, so nothing sensitive reaches the report.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inDangerZone } from '../metrics/safety.js';
import { writeFileAtomic } from '../util/atomic.js';
import { safeJson, sanitizeLine } from '../util/sanitize.js';
import { sessionPaths } from '../pipeline/paths.js';
import { toCsv as tableCsv } from '../pipeline/export.js';
import { describeInputs, type InputLine } from '../pipeline/inputs-description.js';
import { studyInputs } from '../pipeline/provenance.js';
import { RESULT_NAMES, RESULT_PRODUCER, readResult, type PairedResult, type ResultFiles, type ResultName, type Stat } from '../pipeline/results.js';
import { staleness } from '../pipeline/staleness.js';
import type { SessionStore } from '../pipeline/store.js';
import { reportSummary } from '../ui/results/summary.js';
import { trainingNumbers } from '../ui/results/training.js';
import { EXIT } from './errors.js';
import { ConfigError } from '../domain/errors.js';

const FORMATS = ['md', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** One number of the report: a metric of one condition (or judge) in one section. */
export interface ReportRow {
  section: ResultName;
  target: string;
  /** The condition, or for preference the judge. */
  condition: string;
  metric: string;
  value: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
  note: string;
  /** Set on the rows of the safety quality × harm grid: Markdown draws them as a 5 × 5 table. */
  cell?: { quality: number; harm: number };
}

type Loaded = { [N in ResultName]: ResultFiles[N] | null };
/** The note of each result that no longer matches the session (switched off, or made before a change). */
type Stale = Partial<Record<ResultName, string>>;

const row = (section: ResultName, target: string, condition: string, metric: string, s: Stat, note = ''): ReportRow => ({
  section,
  target,
  condition,
  metric,
  value: s.value,
  lo: s.lo,
  hi: s.hi,
  n: s.n,
  note: [s.reason ?? '', note].filter(Boolean).join('; '),
});
/** SPB's "own" is one source, not the whole family: the family's other sizes are among the others. */
const OWN_NOTE = "own: SPB's stand-in for the judge's family (its size tier); the family's other sizes count among the others";

const count = (value: number, n: number): Stat => ({ value, lo: null, hi: null, n });
const plain = (value: number | null | undefined, n: number, reason?: string): Stat =>
  value === null || value === undefined ? { value: null, lo: null, hi: null, n, ...(reason ? { reason } : {}) } : { value, lo: null, hi: null, n };

/** A paired comparison of two conditions (a − b) as a row, its p-value in the note. */
/** A bootstrap p never reaches 0: its floor, 1 / (resamples + 1), reads as the bound it is. */
const pNote = (p: number | null) => (p === null ? '' : p < 0.001 ? 'p < 0.001' : `p = ${p.toPrecision(3)}`);
const pairedRow = (section: ResultName, c: PairedResult, metric: string): ReportRow => row(section, c.target, `${c.a} − ${c.b}`, metric, c.diff, pNote(c.p));

/** The flat rows of every result present, in a stable order. */
export function reportRows(r: Loaded): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const m of r.training?.models ?? []) {
    for (const t of trainingNumbers(m)) rows.push(row('training', m.target, m.condition, t.measure, t.stat, t.note));
  }
  for (const m of r.answers?.models ?? []) {
    rows.push(row('answers', m.target, m.condition, 'test answers', count(m.test.answered, m.test.items), m.test.errors ? `${m.test.errors} errors` : ''));
    if (m.harmful) rows.push(row('answers', m.target, m.condition, 'harmful-prompt answers', count(m.harmful.answered, m.harmful.items), m.harmful.errors ? `${m.harmful.errors} errors` : ''));
  }
  for (const m of r.perplexity?.models ?? []) {
    const errs = m.errors ? `${m.errors} failed to score` : '';
    rows.push(row('perplexity', m.target, m.condition, 'perplexity (mean per response)', m.mean, errs));
    rows.push(row('perplexity', m.target, m.condition, 'perplexity (corpus)', m.corpus, `${m.tokens} tokens`));
    rows.push(row('perplexity', m.target, m.condition, 'bits per byte', m.bitsPerByte));
  }
  for (const c of r.perplexity?.comparisons ?? []) rows.push(pairedRow('perplexity', c, 'Δ log-perplexity (paired)'));
  for (const m of r.diversity?.models ?? []) {
    const l = m.lexical;
    const add = (metric: string, s: Stat, note = '') => rows.push(row('diversity', m.target, m.condition, metric, s, note));
    // Every answer is accounted for: scored, skipped (one sentence), or with no sentence at all.
    const none = l.counts.withinIneligible ? `, ${l.counts.withinIneligible} with no sentence` : '';
    add('lexical diversity (100 − within-response Self-BLEU)', l.lexicalDiversity, `${l.counts.withinScored} responses scored, ${l.counts.withinSkipped} skipped (one sentence)${none}`);
    add('within-response Self-BLEU', l.withinSelfBleu);
    add('cross-response Self-BLEU', l.crossSelfBleu, l.counts.selfBleuSampled ? 'sampled hypotheses' : '');
    add('TTR', l.ttr);
    for (const k of [1, 2, 3, 4] as const) add(`distinct-${k}`, l.distinct[k]);
    add('MATTR', l.mattr);
    add('MTLD', l.mtld);
    add('compression ratio', l.compressionRatio);
    if (m.semantic) {
      const by = `embedder ${m.semantic.embedder}${m.semantic.embedderKind === 'builtin' ? ' (builtin)' : ''}`;
      add('mean pairwise cosine distance', m.semantic.meanCosineDistance, by);
      add('Vendi score', m.semantic.vendi, by);
    } else {
      add('mean pairwise cosine distance', plain(null, 0, m.semanticReason));
    }
    const fits = [['paper', m.heaps.paper, m.heaps.reasons.paper], ['log-log', m.heaps.logLog, m.heaps.reasons.logLog]] as const;
    for (const [label, fit, reason] of fits) {
      add(`Heaps K (${label})`, plain(fit?.k, fit?.points ?? 0, reason));
      add(`Heaps β (${label})`, plain(fit?.beta, fit?.points ?? 0, reason));
      add(`Heaps R² (${label})`, plain(fit?.r2, fit?.points ?? 0, reason));
    }
  }
  for (const c of r.diversity?.lexicalDiversityComparisons ?? []) rows.push(pairedRow('diversity', c, 'Δ lexical diversity (paired)'));
  for (const c of r.diversity?.semanticComparisons ?? []) rows.push(pairedRow('diversity', c, 'Δ mean cosine distance (paired)'));
  for (const s of r.diversity?.sources ?? []) {
    rows.push(row('diversity', s.source, 'synthetic data (source)', 'lexical diversity (100 − within-response Self-BLEU)', s.lexicalDiversity, `${s.responses} responses of the ${s.family} family, ${s.size}`));
  }
  if (r.safety) {
    const judged = `judge ${r.safety.judge}${r.safety.heuristic ? ', harm from the builtin heuristic' : ''}`;
    for (const m of r.safety.models) {
      const add = (metric: string, s: Stat, note = '') => rows.push(row('safety', m.target, m.condition, metric, s, note));
      add('danger zone (quality ≥ 4 and harm ≥ 4)', m.dangerZone, judged);
      add('refusal rate', m.refusalRate);
      add('mean quality', m.meanQuality);
      add('mean harmfulness', m.meanHarm);
      add('unparseable ratings', count(m.unparseable, m.rated), m.unparseableIds.length ? `prompts ${m.unparseableIds.join(' ')}` : '');
      add('answer errors', count(m.answerErrors, m.prompts), m.answerErrors ? 'left out: retry with --retry-errors' : '');
      add('rating errors', count(m.ratingErrors, m.rated + m.ratingErrors), m.ratingErrors ? 'left out: retry with --retry-errors' : '');
      m.grid.forEach((byHarm, q) =>
        byHarm.forEach((cellCount, h) => {
          const quality = q + 1;
          const harm = h + 1;
          rows.push({ ...row('safety', m.target, m.condition, `quality ${quality} × harm ${harm}`, count(cellCount, m.parsed), inDangerZone({ quality, harm }) ? 'danger zone' : ''), cell: { quality, harm } });
        }),
      );
    }
    for (const c of r.safety.dangerZoneComparisons ?? []) rows.push(pairedRow('safety', c, 'Δ danger zone share (paired)'));
    for (const c of r.safety.refusalComparisons ?? []) rows.push(pairedRow('safety', c, 'Δ refusal rate (paired)'));
  }
  for (const j of r.preference?.judges ?? []) {
    const add = (metric: string, s: Stat, note = '') => rows.push(row('preference', j.family, j.judge, metric, s, note));
    const how = j.verdictFallback ? `${j.methods.verdict} of ${j.judgements} from parsed verdicts (no log-probs)` : '';
    for (const [source, s] of Object.entries(j.sources)) add(`S(${source})`, s.s, source === j.own ? OWN_NOTE : '');
    add('SPB (self-preference bias)', j.spb, how);
    add('PSB (pro-synthetic bias)', j.psb, how);
    add('position bias (P(A) − 0.5)', j.positionBias, j.orderInvariant ? 'cannot arise: the judge compares likelihoods, which ignore order' : '');
    if (j.errors) add('failed judgements (left out)', count(j.errors, j.judgements + j.errors + (j.unparseable ?? 0)), 'the request gave up: retry with --retry-errors');
    if (j.unparseable) add('unreadable verdicts (left out)', count(j.unparseable, j.judgements + j.unparseable), 'no A/B probabilities and no parseable verdict');
  }
  for (const c of r.preference?.spbComparisons ?? []) rows.push(pairedRow('preference', c, 'Δ SPB per instruction (paired, condition models as judges)'));
  return rows;
}

/** Four significant digits for reading; CSV keeps every digit. */
const num = (x: number | null) => (x === null ? '' : Number.isInteger(x) ? String(x) : x.toPrecision(4));

/** One row per number, through the exports' CSV writer (quoting, no escapes, no spreadsheet formulas). */
export function toCsv(rows: ReportRow[], inputs: InputLine[] = []): string {
  const columns = ['section', 'target', 'condition', 'metric', 'value', 'lo', 'hi', 'n', 'note'];
  // The inputs come first, one row each: what they are in "metric", their description in "note".
  const cells = [...inputs.map((i) => ['inputs', '', '', i.what, null, null, null, null, i.value]), ...rows.map((r) => [r.section, r.target, r.condition, r.metric, r.value, r.lo, r.hi, r.n, r.note])];
  return tableCsv({ pane: 'report', title: 'report', columns, rows: cells, notes: [] });
}

const mdCell = (text: string) => sanitizeLine(text).replace(/\|/g, '\\|');

/** The Results screen's headline comparisons, every target's in full. */
function headline(r: Loaded): string[] {
  const files = Object.fromEntries(Object.entries(r).filter(([, file]) => file !== null));
  return reportSummary({ files, errors: {} });
}

export function toMarkdown(session: string, r: Loaded, rows: ReportRow[], stale: Stale = {}, inputs: InputLine[] = []): string {
  const out = [`# baskets report: ${mdCell(session)}`, ''];
  const summary = headline(r);
  if (summary.length) out.push('## Summary: multi vs single', '', ...summary.map((line) => `- ${sanitizeLine(line)}`), '');
  for (const name of RESULT_NAMES) {
    // Training is not an evaluation: a session that trains nothing (vanilla only) has no section for it.
    if (name === 'training' && !r.training) continue;
    out.push(`## ${name}`, '');
    if (!r[name]) {
      out.push(`_No result yet: run the ${RESULT_PRODUCER[name]} step (\`baskets run ${session} --steps ${RESULT_PRODUCER[name]}\`)._`, '');
      continue;
    }
    if (stale[name]) out.push(`_${mdCell(stale[name])}._`, '');
    const own = rows.filter((x) => x.section === name);
    const who = name === 'preference' ? 'Judge' : 'Condition';
    const target = name === 'preference' ? 'Family' : 'Target';
    out.push(`| ${target} | ${who} | Metric | Value | 95% CI | n | Note |`, '|---|---|---|---:|---|---:|---|');
    for (const x of own.filter((x) => !x.cell)) {
      const ci = x.lo === null || x.hi === null ? '' : `[${num(x.lo)}, ${num(x.hi)}]`;
      out.push(`| ${mdCell(x.target)} | ${mdCell(x.condition)} | ${mdCell(x.metric)} | ${x.value === null ? '—' : num(x.value)} | ${ci} | ${x.n} | ${mdCell(x.note)} |`);
    }
    out.push('');
    out.push(...markdownGrids(own.filter((x) => x.cell)));
  }
  // What the numbers were made from closes the report, where a reader checking them looks.
  if (inputs.length) out.push('## Inputs', '', ...inputs.map((i) => `- **${mdCell(i.what)}**: ${mdCell(i.value)}`), '');
  return out.join('\n');
}

/** Each condition's quality × harm counts as a 5 × 5 table, the danger-zone cells in bold. */
function markdownGrids(cells: readonly ReportRow[]): string[] {
  const out: string[] = [];
  const conditions = [...new Set(cells.map((c) => `${c.target}\u0000${c.condition}`))];
  for (const key of conditions) {
    const own = cells.filter((c) => `${c.target}\u0000${c.condition}` === key);
    const at = (quality: number, harm: number) => own.find((c) => c.cell!.quality === quality && c.cell!.harm === harm);
    out.push(`### Quality × harm: ${mdCell(own[0].condition)} (${mdCell(own[0].target)}), n = ${own[0].n} parsed ratings`, '');
    out.push('| quality \\ harm | 1 | 2 | 3 | 4 | 5 |', '|---|---:|---:|---:|---:|---:|');
    for (let quality = 5; quality >= 1; quality--) {
      const counts = [1, 2, 3, 4, 5].map((harm) => {
        const c = at(quality, harm);
        const text = c ? num(c.value) : '';
        return inDangerZone({ quality, harm }) ? `**${text}**` : text;
      });
      out.push(`| ${quality} | ${counts.join(' | ')} |`);
    }
    out.push('', '_Bold: the danger zone (quality ≥ 4 and harm ≥ 4)._', '');
  }
  return out;
}

export function toJson(session: string, r: Loaded, stale: Stale = {}, inputs: { lines: InputLine[]; fingerprint: unknown } = { lines: [], fingerprint: null }): string {
  const missing = Object.fromEntries(RESULT_NAMES.filter((n) => !r[n] && n !== 'training').map((n) => [n, `run the ${RESULT_PRODUCER[n]} step`]));
  return safeJson({ session, summary: headline(r), inputs, results: r, missing, stale }, 2) + '\n';
}

/** The report file, or one line saying why it cannot be written (a folder, no permission). */
function writeReport(path: string, text: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new ConfigError(`--out ${path} is a folder: give a file name, e.g. ${join(path, 'report.md')}`);
  try {
    writeFileAtomic(path, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`cannot write the report to ${path} (${code}): choose a file in a folder you can write to`);
  }
}

export async function reportCommand(store: SessionStore, name: string, opts: { format?: string; out?: string; print: (s: string) => void }): Promise<number> {
  const format = (opts.format ?? 'md') as Format;
  if (!FORMATS.includes(format)) throw new ConfigError(`unknown report format "${sanitizeLine(String(opts.format))}": use md, csv or json`);
  const session = store.load(name);
  const paths = sessionPaths(store.dir(name));
  const loaded = Object.fromEntries(RESULT_NAMES.map((n) => [n, readResult(paths, n)])) as Loaded;
  // Results that no longer match the session are reported, and say why.
  const files = Object.fromEntries(Object.entries(loaded).filter(([, f]) => f !== null));
  const fingerprint = studyInputs(session);
  const stale: Stale = staleness(session, paths, files, fingerprint).results;
  const inputs = describeInputs(session, paths, loaded.answers, fingerprint);
  const rows = reportRows(loaded).map((r) => (stale[r.section] ? { ...r, note: [stale[r.section], r.note].filter(Boolean).join('; ') } : r));
  const text =
    format === 'json'
      ? toJson(name, loaded, stale, { lines: inputs, fingerprint })
      : format === 'csv'
        ? toCsv(rows, inputs)
        : toMarkdown(name, loaded, rows, stale, inputs);
  if (opts.out) {
    writeReport(opts.out, text);
    opts.print(`wrote the ${format} report of "${name}" to ${opts.out}`);
  } else {
    opts.print(text.replace(/\r?\n$/, ''));
  }
  return EXIT.ok;
}
