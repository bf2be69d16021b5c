import { barBounds, barChart, zoomedDomain, type BarRow, type ChartOptions } from '../../charts/index.js';
import type { ExportCell, ExportTable } from '../../pipeline/export.js';
import type { EvaluatedRef, PairedResult, ResultName } from '../../pipeline/results.js';
import { DIVERSITY_METRICS, LEXICAL_DIVERSITY_DIFFERENCE } from './diversity.js';
import { pText, statText } from './format.js';
import { missingReason, type LoadedResults } from './load.js';
import { metricBars, type MetricDef } from './metrics.js';
import { PERPLEXITY_METRICS } from './perplexity.js';
import { preferenceBars, SPB_DIFFERENCE } from './preference.js';
import { SAFETY_METRICS, SAFETY_PAIRED } from './safety.js';
import { perplexityChange } from './summary.js';

/** A paired comparison from a result file, as a line and as export cells. */
export interface PairedLine {
  text: string;
  cells: ExportCell[];
}

/** One metric compared across sessions: its bars in a session, and the paired tests that exist for it. */
export interface CompareMetric {
  label: string;
  result: ResultName;
  bars(loaded: LoadedResults): BarRow[];
  paired(loaded: LoadedResults): PairedLine[];
}

const none = (): PairedLine[] => [];

function fromMetric<M extends EvaluatedRef>(result: ResultName, models: (loaded: LoadedResults) => readonly M[] | undefined, metric: MetricDef<M>, paired: CompareMetric['paired'] = none): CompareMetric {
  return { label: metric.label, result, bars: (loaded) => metricBars(models(loaded) ?? [], metric), paired };
}

/** "qwen-s single vs multi" for two conditions of one target named target/kind, else both names in full. */
function pairLabel(c: PairedResult): string {
  const prefix = `${c.target}/`;
  return c.a.startsWith(prefix) && c.b.startsWith(prefix) ? `${c.target} ${c.a.slice(prefix.length)} vs ${c.b.slice(prefix.length)}` : `${c.a} vs ${c.b}`;
}

/** The paper's comparison, multi vs single, ahead of the others, which keep their order. */
const isPaperPair = (c: PairedResult) => [c.a, c.b].some((x) => x.endsWith('/multi')) && [c.a, c.b].some((x) => x.endsWith('/single'));

/** The perplexity comparisons between conditions of each target, multi vs single first. */
function perplexityPairs(loaded: LoadedResults): PairedLine[] {
  const all = loaded.files.perplexity?.comparisons ?? [];
  return [...all.filter(isPaperPair), ...all.filter((c) => !isPaperPair(c))].map((c) => ({
    text: `${pairLabel(c)}: ${perplexityChange(c.diff, c.p)}`,
    cells: [c.target, `${c.a} - ${c.b}`, 'log-perplexity difference', c.diff.value, c.diff.lo, c.diff.hi, c.diff.n, c.p],
  }));
}

/** A result file's paired comparisons of one measure as lines (older files without them: none). */
function pairedLines(comparisons: readonly PairedResult[] | undefined, measure: string): PairedLine[] {
  return (comparisons ?? []).map((c) => ({
    text: `${c.a} vs ${c.b}: ${measure} ${statText(c.diff)} ${pText(c.p)}`,
    cells: [c.target, `${c.a} - ${c.b}`, measure, c.diff.value, c.diff.lo, c.diff.hi, c.diff.n, c.p],
  }));
}

/** The safety metric's paired comparisons, where the result file holds them. */
function safetyPairs(label: string): CompareMetric['paired'] {
  const paired = SAFETY_PAIRED.find((p) => p.metric === label);
  return paired ? (loaded) => (loaded.files.safety ? pairedLines(paired.pick(loaded.files.safety), paired.measure) : []) : none;
}

export const COMPARE_METRICS: CompareMetric[] = [
  ...PERPLEXITY_METRICS.map((m, i) => fromMetric('perplexity', (l) => l.files.perplexity?.models, m, i === 0 ? perplexityPairs : none)),
  ...DIVERSITY_METRICS.map((m, i) =>
    fromMetric('diversity', (l) => l.files.diversity?.models, m, i === 0 ? (l) => pairedLines(l.files.diversity?.lexicalDiversityComparisons, LEXICAL_DIVERSITY_DIFFERENCE) : none),
  ),
  ...SAFETY_METRICS.map((m) => fromMetric('safety', (l) => l.files.safety?.models, m, safetyPairs(m.label))),
  {
    label: 'self-preference SPB / PSB',
    result: 'preference',
    bars: (loaded) => (loaded.files.preference ? preferenceBars(loaded.files.preference, 0) : []),
    paired: (loaded) => pairedLines(loaded.files.preference?.spbComparisons, SPB_DIFFERENCE),
  },
];

/**
 * One scale for every session's bars, so equal lengths mean equal numbers: with zero on it, or
 * zoomed alike for all where bars from zero would hide the differences.
 */
export function sharedDomain(rowSets: readonly (readonly BarRow[])[]): [number, number] | undefined {
  const zoomed = zoomedDomain(rowSets.flat());
  if (zoomed) return zoomed;
  const values = barBounds(rowSets.flat());
  if (values.length === 0) return undefined;
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  return lo === hi ? undefined : [lo, hi];
}

/** A session's column: the bars on the shared scale, or why the session has none. */
export function drawCompareColumn(metric: CompareMetric, loaded: LoadedResults, domain: [number, number] | undefined, opts: ChartOptions): { ready: boolean; body: string } {
  if (!loaded.files[metric.result]) return { ready: false, body: missingReason(loaded, metric.result) };
  return { ready: true, body: barChart(metric.bars(loaded), { ...opts, order: 'given', domain }) };
}

export function compareTable(metric: CompareMetric, sessions: readonly { name: string; loaded: LoadedResults }[]): ExportTable {
  const rows: ExportCell[][] = [];
  for (const s of sessions) {
    for (const b of metric.bars(s.loaded)) rows.push([s.name, b.group ?? null, b.label, metric.label, b.value, b.lo ?? null, b.hi ?? null, b.n ?? null, null]);
    for (const p of metric.paired(s.loaded)) rows.push([s.name, ...p.cells]);
  }
  return {
    pane: 'compare',
    title: `${metric.label} across ${sessions.map((s) => s.name).join(', ')}`,
    columns: ['session', 'target', 'condition', 'measure', 'value', 'lo', 'hi', 'n', 'p'],
    rows,
    notes: sessions.flatMap((s) => (s.loaded.files[metric.result] ? [] : [`${s.name}: ${missingReason(s.loaded, metric.result)}`])),
  };
}
