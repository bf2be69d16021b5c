import { barBounds, barChart, truncate, wrapWords, type BarColumns, type BarRow, type ChartOptions } from '../../charts/index.js';
import type { ExportCell, ExportTable } from '../../pipeline/export.js';
import { isPerItemTable, pairedAcrossSessions } from '../../pipeline/evaluation/per-item.js';
import { RESULT_PRODUCER, type DiversityModelResult, type EvaluatedRef, type PairedResult, type PerItemMeasure, type PerItemTable, type ResultName, type Stat } from '../../pipeline/results.js';
import { deriveSeed } from '../../util/rng.js';
import { COSINE_DISTANCE_DIFFERENCE, COSINE_DISTANCE_METRIC, DIVERSITY_METRICS, LEXICAL_DIVERSITY_DIFFERENCE } from './diversity.js';
import { directionText, type Direction } from './direction.js';
import { pText, statText } from './format.js';
import { missingReason, type LoadedResults } from './load.js';
import { metricBars, type MetricDef } from './metrics.js';
import { PERPLEXITY_METRICS } from './perplexity.js';
import { PREFERENCE_VIEWS, preferenceBars, SPB_DIFFERENCE } from './preference.js';
import { SAFETY_METRICS, SAFETY_PAIRED } from './safety.js';
import { perplexityChange } from './summary.js';

/** A paired comparison from a result file, as a line and as export cells. */
export interface PairedLine {
  text: string;
  cells: ExportCell[];
}

/**
 * A measure a result compares item by item — between conditions of a session, and (through the
 * per-item values it keeps) between sessions — and how one of its differences reads.
 */
interface PairedMeasure {
  /** Its per-item values' name; absent for a measure that is not a mean over items (mean cosine distance), which pairs within a session only. */
  measure?: PerItemMeasure;
  /** The measure's name in exports. */
  name: string;
  text(diff: Stat, p: number | null): string;
}

/** One metric compared across sessions: its bars in a session, and the paired tests that exist for it. */
export interface CompareMetric {
  label: string;
  result: ResultName;
  direction: Direction;
  bars(loaded: LoadedResults): BarRow[];
  /** The paired comparisons between conditions within one session. */
  paired(loaded: LoadedResults): PairedLine[];
  /** Where the result keeps per-item values: how a condition pairs with itself in another session. */
  across?: PerItemPairs;
}

/** A measure with per-item values, so that it pairs across sessions too. */
type PerItemPairs = PairedMeasure & { measure: PerItemMeasure };

const none = (): PairedLine[] => [];

/** A difference measure read as "<name> 0.12 [0.03, 0.2] n=18 p=0.01". */
const differenceText = (name: string) => (diff: Stat, p: number | null) => `${name} ${statText(diff)} ${pText(p)}`;
const differenceOf = (measure: PerItemMeasure, name: string): PerItemPairs => ({ measure, name, text: differenceText(name) });

const LOG_PERPLEXITY: PerItemPairs = { measure: 'log-perplexity', name: 'log-perplexity difference', text: perplexityChange };
const LEXICAL_DIVERSITY = differenceOf('lexical-diversity', LEXICAL_DIVERSITY_DIFFERENCE);
const SPB = differenceOf('spb', SPB_DIFFERENCE);
const COSINE_DISTANCE: PairedMeasure = { name: COSINE_DISTANCE_DIFFERENCE, text: differenceText(COSINE_DISTANCE_DIFFERENCE) };

/** "qwen-s single vs multi" for two conditions of one target named target/kind, else both names in full. */
function pairLabel(c: PairedResult): string {
  const prefix = `${c.target}/`;
  return c.a.startsWith(prefix) && c.b.startsWith(prefix) ? `${c.target} ${c.a.slice(prefix.length)} vs ${c.b.slice(prefix.length)}` : `${c.a} vs ${c.b}`;
}

const fullNames = (c: PairedResult) => `${c.a} vs ${c.b}`;

const isPaperPair = (c: PairedResult) => [c.a, c.b].some((x) => x.endsWith('/multi')) && [c.a, c.b].some((x) => x.endsWith('/single'));

/** The paper's comparison, multi vs single, ahead of the others, which keep their order. */
const paperFirst = (all: readonly PairedResult[] = []) => [...all.filter(isPaperPair), ...all.filter((c) => !isPaperPair(c))];

/** A result file's paired comparisons of one measure as lines, multi vs single first (older files without them: none). */
function pairedLines(comparisons: readonly PairedResult[] | undefined, measure: PairedMeasure, label: (c: PairedResult) => string): PairedLine[] {
  return paperFirst(comparisons).map((c) => ({
    text: `${label(c)}: ${measure.text(c.diff, c.p)}`,
    cells: [c.target, `${c.a} - ${c.b}`, measure.name, c.diff.value, c.diff.lo, c.diff.hi, c.diff.n, c.p],
  }));
}

/** Where a metric's result holds paired comparisons: which, of what measure, and how a pair is named. */
interface Pairs {
  comparisons(loaded: LoadedResults): readonly PairedResult[] | undefined;
  measure: PairedMeasure;
  label?: (c: PairedResult) => string;
}

/** A per-condition metric; with `pairs`, its tests within a session and its pairing across sessions. */
function fromMetric<M extends EvaluatedRef>(result: ResultName, models: (loaded: LoadedResults) => readonly M[] | undefined, metric: MetricDef<M>, pairs?: Pairs): CompareMetric {
  const bars = (loaded: LoadedResults) => metricBars(models(loaded) ?? [], metric);
  if (!pairs) return { label: metric.label, result, direction: metric.direction, bars, paired: none };
  const { measure } = pairs.measure;
  return {
    label: metric.label,
    result,
    direction: metric.direction,
    bars,
    paired: (loaded) => pairedLines(pairs.comparisons(loaded), pairs.measure, pairs.label ?? fullNames),
    ...(measure ? { across: { ...pairs.measure, measure } } : {}),
  };
}

/** The paired tests a diversity metric has: the paper's lexical diversity and the mean cosine distance. */
function diversityPairs(metric: MetricDef<DiversityModelResult>, index: number): Pairs | undefined {
  if (index === 0) return { comparisons: (l) => l.files.diversity?.lexicalDiversityComparisons, measure: LEXICAL_DIVERSITY };
  if (metric.label === COSINE_DISTANCE_METRIC) return { comparisons: (l) => l.files.diversity?.semanticComparisons, measure: COSINE_DISTANCE };
  return undefined;
}

export const COMPARE_METRICS: CompareMetric[] = [
  ...PERPLEXITY_METRICS.map((m, i) =>
    fromMetric('perplexity', (l) => l.files.perplexity?.models, m, i === 0 ? { comparisons: (l) => l.files.perplexity?.comparisons, measure: LOG_PERPLEXITY, label: pairLabel } : undefined),
  ),
  ...DIVERSITY_METRICS.map((m, i) =>
    fromMetric('diversity', (l) => l.files.diversity?.models, m, diversityPairs(m, i)),
  ),
  ...SAFETY_METRICS.map((m) => {
    const paired = SAFETY_PAIRED.find((p) => p.metric === m.label);
    const pairs = paired && { comparisons: (l: LoadedResults) => (l.files.safety ? paired.pick(l.files.safety) : undefined), measure: differenceOf(paired.perItem, paired.measure) };
    return fromMetric('safety', (l) => l.files.safety?.models, m, pairs);
  }),
  {
    label: 'self-preference SPB / PSB',
    result: 'preference',
    direction: PREFERENCE_VIEWS[0].direction,
    bars: (loaded) => (loaded.files.preference ? preferenceBars(loaded.files.preference, 0) : []),
    paired: (loaded) => pairedLines(loaded.files.preference?.spbComparisons, SPB, fullNames),
    across: SPB,
  },
];

/** One session's conditions paired with the same conditions of the reference session. */
export interface AcrossSessions {
  /** "vs demo, on shared items: 3 of 36 conditions differ at p<0.05", or why nothing pairs. */
  summary: string;
  /** The paired conditions, smallest p first. */
  lines: PairedLine[];
}

/**
 * `other` against `ref` on one metric: each condition both sessions have, paired on the items
 * (by their text) both measured, so a difference is the sessions' and not the items'.
 */
export function acrossSessions(metric: CompareMetric, ref: { name: string; loaded: LoadedResults }, other: { name: string; loaded: LoadedResults }): AcrossSessions | null {
  // The bootstraps take ~0.1 s for a study of 36 conditions: once per pair of loaded results, not per frame.
  const byRef = acrossCache.get(other.loaded) ?? new WeakMap<LoadedResults, Map<string, AcrossSessions | null>>();
  acrossCache.set(other.loaded, byRef);
  const byMetric = byRef.get(ref.loaded) ?? new Map<string, AcrossSessions | null>();
  byRef.set(ref.loaded, byMetric);
  const key = JSON.stringify([metric.label, ref.name, other.name]);
  if (!byMetric.has(key)) byMetric.set(key, pairWithReference(metric, ref, other));
  return byMetric.get(key)!;
}

const acrossCache = new WeakMap<LoadedResults, WeakMap<LoadedResults, Map<string, AcrossSessions | null>>>();

function pairWithReference(metric: CompareMetric, ref: { name: string; loaded: LoadedResults }, other: { name: string; loaded: LoadedResults }): AcrossSessions | null {
  const across = metric.across;
  const a = other.loaded.files[metric.result];
  const b = ref.loaded.files[metric.result];
  if (!across || !a || !b) return null;
  const vs = `vs ${ref.name}`;
  const step = RESULT_PRODUCER[metric.result];
  const tables = [other, ref].map((s) => ({ name: s.name, table: (s.loaded.files[metric.result] as { perItem?: unknown }).perItem }));
  const stale = tables.find((t) => t.table === undefined);
  if (stale) return { summary: `${vs}: rerun the ${step} step of ${stale.name} to pair items (its results predate per-item values)`, lines: [] };
  const broken = tables.find((t) => !isPerItemTable(t.table));
  if (broken) return { summary: `${vs}: the per-item values in ${broken.name}'s ${metric.result} results are broken: rerun its ${step} step`, lines: [] };
  const [mine, theirs] = tables.map((t) => t.table as PerItemTable);
  const pairs = pairedAcrossSessions(mine, theirs, across.measure, deriveSeed(a.seed, `compare:${b.seed}`));
  if (pairs.length === 0) return { summary: `${vs}: no condition of the same name to pair`, lines: [] };
  const paired = pairs.filter((c) => c.diff.value !== null);
  if (paired.length === 0) return { summary: `${vs}: no items in common (other data, split or prompts)`, lines: [] };
  const differ = paired.filter((c) => c.p !== null && c.p < 0.05).length;
  const byP = [...paired].sort((x, y) => (x.p ?? 1) - (y.p ?? 1));
  const unpaired = pairs.length - paired.length;
  return {
    summary: `${vs}, on shared items: ${differ} of ${paired.length} conditions differ at p<0.05${unpaired ? ` (${unpaired} more share no item)` : ''}`,
    lines: byP.map((c) => ({ text: `${c.condition}: ${across.text(c.diff, c.p)}`, cells: [c.target, c.condition, across.name, c.diff.value, c.diff.lo, c.diff.hi, c.diff.n, c.p] })),
  };
}

/**
 * Paired lines as the rows of a column `width` wide, within `budget` rows: each line whole
 * (wrapped at spaces), the first always, and a last row counting those left out.
 */
export function pairedRows(texts: readonly string[], width: number, budget: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    const wrapped = wrapWords(texts[i], width);
    // Room is kept for the "more" row while lines remain after this one.
    const more = i + 1 < texts.length ? 1 : 0;
    if (i > 0 && rows.length + wrapped.length + more > budget) return [...rows, truncate(`… ${texts.length - i} more paired: e exports them all`, width)];
    rows.push(...wrapped);
  }
  return rows;
}

/** One scale for every session's bars, zero on it, so equal lengths mean equal numbers and a bar's length is its value. */
export function sharedDomain(rowSets: readonly (readonly BarRow[])[]): [number, number] | undefined {
  const values = barBounds(rowSets.flat());
  if (values.length === 0) return undefined;
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  return lo === hi ? undefined : [lo, hi];
}

/** A session's column: its bars (`metric.bars`) on the shared scale and in the shared columns, or why the session has none. */
export function drawCompareColumn(
  metric: CompareMetric,
  loaded: LoadedResults,
  bars: readonly BarRow[],
  shared: { domain: [number, number] | undefined; columns: BarColumns },
  opts: ChartOptions,
): { ready: boolean; body: string } {
  if (!loaded.files[metric.result]) return { ready: false, body: missingReason(loaded, metric.result) };
  return { ready: true, body: barChart(bars, { ...opts, order: 'given', domain: shared.domain, columns: shared.columns, axisNote: directionText(metric.direction, opts.ascii) }) };
}

/** What a column says of a metric that keeps no per-item values, so that nothing reads as paired with the reference. */
export function notPairedAcross(metric: CompareMetric, reference: string): string {
  return `not paired with ${reference}: ${metric.label} keeps no per-item values to pair across sessions`;
}

export function compareTable(metric: CompareMetric, sessions: readonly { name: string; loaded: LoadedResults }[]): ExportTable {
  const rows: ExportCell[][] = [];
  for (const s of sessions) {
    for (const b of metric.bars(s.loaded)) rows.push([s.name, b.group ?? null, b.label, metric.label, b.value, b.lo ?? null, b.hi ?? null, b.n ?? null, null]);
    for (const p of metric.paired(s.loaded)) rows.push([s.name, ...p.cells]);
  }
  const [ref, ...others] = sessions;
  const pairedNotes: string[] = [];
  for (const s of others) {
    const across = acrossSessions(metric, ref, s);
    if (across) pairedNotes.push(`${s.name} ${across.summary}`);
    for (const p of across?.lines ?? []) rows.push([`${s.name} - ${ref.name}`, ...p.cells]);
  }
  return {
    pane: 'compare',
    title: `${metric.label} across ${sessions.map((s) => s.name).join(', ')}`,
    columns: ['session', 'target', 'condition', 'measure', 'value', 'lo', 'hi', 'n', 'p'],
    rows,
    inputs: sessions.flatMap((s) => (s.loaded.inputs ?? []).map((i) => ({ what: `${s.name} ${i.what}`, value: i.value }))),
    notes: [
      ...sessions.flatMap((s) => (s.loaded.files[metric.result] ? [] : [`${s.name}: ${missingReason(s.loaded, metric.result)}`])),
      ...sessions.flatMap((s) => (s.loaded.files[metric.result] && s.loaded.stale?.[metric.result] ? [`${s.name}: ${s.loaded.stale[metric.result]}`] : [])),
      ...pairedNotes,
      ...(others.length && !metric.across ? [notPairedAcross(metric, ref.name)] : []),
    ],
  };
}
