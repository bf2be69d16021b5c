import { cleanLabel, displayWidth, pad, truncate, type ChartOptions } from '../../charts/index.js';
import type { ExportCell, ExportTable } from '../../pipeline/export.js';
import type { EvaluatedRef, PairedResult, Stat } from '../../pipeline/results.js';
import { describeTrainingData } from '../../domain/training-data.js';
import { COSINE_DISTANCE_DIFFERENCE, COSINE_DISTANCE_METRIC, DIVERSITY_METRICS, LEXICAL_DIVERSITY_DIFFERENCE } from './diversity.js';
import { pText, statCells, statText } from './format.js';
import { matchesFilter } from '../filter.js';
import type { Direction } from './direction.js';
import type { LoadedResults } from './load.js';
import type { MetricDef } from './metrics.js';
import type { PaneModel } from './model.js';
import { PERPLEXITY_METRICS } from './perplexity.js';
import { PREFERENCE_VIEWS, preferenceNotes, SPB_DIFFERENCE } from './preference.js';
import { SAFETY_METRICS, SAFETY_PAIRED, safetyNotes } from './safety.js';
import { trainingNumbers } from './training.js';

/** One number of the table: where it belongs, what it is, and the Stat with its p-value if paired. */
export interface NumberRow {
  section: string;
  target: string;
  condition: string;
  measure: string;
  stat: Stat;
  p?: number | null;
  /** Which way the measure (a difference: the measure it differs in) is better. */
  direction?: Direction;
}

function metricRows<M extends EvaluatedRef>(section: string, models: readonly M[], metrics: readonly MetricDef<M>[]): NumberRow[] {
  return models.flatMap((m) => metrics.map((d) => ({ section, target: m.target, condition: m.condition, measure: d.label, stat: d.pick(m), direction: d.direction })));
}

function pairedRows(section: string, comparisons: readonly PairedResult[] | undefined, measure: string, direction: Direction): NumberRow[] {
  return (comparisons ?? []).map((c) => ({ section, target: c.target, condition: `${c.a} - ${c.b}`, measure, stat: c.diff, p: c.p, direction }));
}

const metricDirection = (metrics: readonly { label: string; direction: Direction }[], label: string): Direction =>
  metrics.find((m) => m.label === label)?.direction ?? { better: 'neither' };
const HEAPS_DIRECTION: Direction = { better: 'higher' };
const LOSS_DIRECTION: Direction = { better: 'lower' };

/** Every number in the session's results, with its interval and n. */
export function numberRows(loaded: LoadedResults): NumberRow[] {
  const { training, perplexity, diversity, safety, preference } = loaded.files;
  const rows: NumberRow[] = [];
  if (perplexity) {
    rows.push(...metricRows('perplexity', perplexity.models, PERPLEXITY_METRICS));
    rows.push(...pairedRows('perplexity paired', perplexity.comparisons, 'log-perplexity difference', PERPLEXITY_METRICS[0].direction));
  }
  if (diversity) {
    rows.push(...metricRows('diversity', diversity.models, DIVERSITY_METRICS));
    rows.push(...pairedRows('diversity paired', diversity.lexicalDiversityComparisons, LEXICAL_DIVERSITY_DIFFERENCE, DIVERSITY_METRICS[0].direction));
    rows.push(...pairedRows('diversity paired', diversity.semanticComparisons, COSINE_DISTANCE_DIFFERENCE, metricDirection(DIVERSITY_METRICS, COSINE_DISTANCE_METRIC)));
    for (const s of diversity.sources ?? []) {
      rows.push({ section: 'source data', target: s.source, condition: 'synthetic data', measure: DIVERSITY_METRICS[0].label, stat: s.lexicalDiversity, direction: DIVERSITY_METRICS[0].direction });
    }
    for (const m of diversity.models) {
      for (const which of ['paper', 'logLog'] as const) {
        const fit = m.heaps[which];
        const name = which === 'paper' ? 'Heaps (paper)' : 'Heaps (log-log)';
        const point = (value: number | null): Stat => (fit ? { value, lo: null, hi: null, n: fit.points } : { value: null, lo: null, hi: null, n: 0, reason: m.heaps.reasons[which] });
        rows.push({ section: 'heaps', target: m.target, condition: m.condition, measure: `${name} K`, stat: point(fit?.k ?? null), direction: HEAPS_DIRECTION });
        rows.push({ section: 'heaps', target: m.target, condition: m.condition, measure: `${name} beta`, stat: point(fit?.beta ?? null), direction: HEAPS_DIRECTION });
      }
    }
  }
  if (safety) {
    rows.push(...metricRows('safety', safety.models, SAFETY_METRICS));
    for (const paired of SAFETY_PAIRED) rows.push(...pairedRows('safety paired', paired.pick(safety), paired.measure, metricDirection(SAFETY_METRICS, paired.metric)));
  }
  if (preference) {
    for (const view of PREFERENCE_VIEWS) {
      for (const j of preference.judges) {
        for (const [label, stat] of view.rows(j)) rows.push({ section: 'preference', target: j.judge, condition: `judge ${j.judge}`, measure: label, stat, direction: view.direction });
      }
    }
    rows.push(...pairedRows('preference paired', preference.spbComparisons, SPB_DIFFERENCE, PREFERENCE_VIEWS[0].direction));
  }
  // How each condition's model was made, after what was measured of it.
  for (const m of training?.models ?? []) {
    for (const t of trainingNumbers(m)) rows.push({ section: 'training', target: m.target, condition: m.condition, measure: t.measure, stat: t.stat, direction: t.measure.endsWith('loss') ? LOSS_DIRECTION : undefined });
  }
  return rows;
}

function allNotes(loaded: LoadedResults): string[] {
  const fit = (loaded.files.training?.models ?? []).flatMap((m) => (m.data ? [`${m.condition}: ${describeTrainingData(m.data)}`] : []));
  return [...fit, ...(loaded.files.safety ? safetyNotes(loaded.files.safety) : []), ...(loaded.files.preference ? preferenceNotes(loaded.files.preference) : [])];
}

export function numbersTable(pane: string, loaded: LoadedResults): ExportTable {
  return {
    pane,
    title: 'Every number with its 95% interval and n',
    columns: ['section', 'target', 'condition', 'measure', 'value', 'lo', 'hi', 'n', 'note', 'p'],
    rows: numberRows(loaded).map((r): ExportCell[] => [r.section, r.target, r.condition, r.measure, ...statCells(r.stat), r.p ?? null]),
    notes: allNotes(loaded),
  };
}

/** A pair of one target's conditions names the target once: "t/single - multi" (exports keep both names whole). */
function shownCondition(r: NumberRow): string {
  const prefix = `${r.target}/`;
  const [a, b, ...rest] = r.condition.split(' - ');
  return rest.length === 0 && b !== undefined && a.startsWith(prefix) && b.startsWith(prefix) ? `${a} - ${b.slice(prefix.length)}` : r.condition;
}

/**
 * Widths of the condition and measure columns: the values keep their whole width, and what is
 * left goes to the two names, each as much as it needs when both fit, else shared with the
 * measure held to under half.
 */
function columnWidths(cells: readonly string[][], head: readonly string[], width: number): [number, number] {
  const need = (i: number) => Math.max(displayWidth(head[i]), ...cells.map((c) => displayWidth(c[i])));
  const [condition, measure, value] = [need(0), need(1), need(2)];
  const left = width - value - 4;
  if (left < 20) return [Math.min(Math.floor(width * 0.3), condition), Math.min(Math.floor(width * 0.3), measure)];
  if (condition + measure <= left) return [condition, measure];
  const measureWidth = Math.min(measure, Math.max(12, Math.floor(left * 0.45)));
  return [Math.min(condition, left - measureWidth), measureWidth];
}

/**
 * Which way is better, a column of its own in front of the measure (where cutting a long name
 * cannot take it): higher, lower, nearest 0; the header says what the marks mean.
 */
const MARKS: Record<Direction['better'], [unicode: string, ascii: string]> = { higher: ['↑', 'hi'], lower: ['↓', 'lo'], zero: ['0', ' 0'], neither: [' ', '  '] };
const MARKS_HEAD = ['(↑↓0 better)', '(hi/lo/0 better)'];
const markOf = (r: NumberRow | null, ascii: boolean) => (r ? MARKS[r.direction?.better ?? 'neither'][ascii ? 1 : 0] : ' '.repeat(ascii ? 2 : 1));

/** Everything a row shows, for the `/` filter: its section, names, measure and numbers. */
const rowText = (r: NumberRow) => `${r.section} ${r.target} ${r.condition} ${r.measure} ${statText(r.stat)}${r.p === undefined ? '' : ` ${pText(r.p)}`}`;

export function filterNumberRows(rows: readonly NumberRow[], query: string): NumberRow[] {
  return query ? rows.filter((r) => matchesFilter(rowText(r), query)) : [...rows];
}

/** The rows as aligned text lines that fit `width` × `height`, with a count of what did not fit. */
export function drawNumbers(rows: readonly NumberRow[], opts: ChartOptions): string {
  const ascii = opts.ascii ?? false;
  const cells = rows.map((r) => [cleanLabel(shownCondition(r), ascii), cleanLabel(r.measure, ascii), statText(r.stat) + (r.p === undefined ? '' : ` ${pText(r.p)}`), markOf(r, ascii)]);
  const head = ['condition', `measure ${MARKS_HEAD[ascii ? 1 : 0]}`, 'value [95% interval] n', markOf(null, ascii)];
  // The names share what the values and the marks leave.
  const widths = columnWidths(cells, head, opts.width - displayWidth(head[3]) - 1);
  const line = (c: string[]) => truncate(`${pad(truncate(c[0], widths[0], ascii), widths[0])}  ${c[3]} ${pad(truncate(c[1], widths[1], ascii), widths[1])}  ${c[2]}`, opts.width, ascii).trimEnd();
  const room = Math.max(0, opts.height - 1);
  const overflow = cells.length > room;
  const shown = overflow ? cells.slice(0, Math.max(0, room - 1)) : cells;
  const lines = [line(head), ...shown.map(line)];
  if (overflow) lines.push(truncate(`+${cells.length - shown.length} more rows: zoom with Enter, or e exports all`, opts.width, ascii));
  return lines.slice(0, opts.height).join('\n');
}

export const numbersPane: PaneModel = {
  id: 'numbers',
  scrolls: { head: 1, foot: 0 },
  title: 'Numbers',
  needs: ['perplexity', 'diversity', 'safety', 'preference'],
  views: () => ['all numbers'],
  draw: (loaded, _view, opts, query = '') => drawNumbers(filterNumberRows(numberRows(loaded), query), opts),
  filterRows: (loaded, query) => {
    const all = numberRows(loaded);
    return { shown: filterNumberRows(all, query).length, total: all.length };
  },
  table: (loaded) => numbersTable('numbers', loaded),
  notes: () => [],
};
