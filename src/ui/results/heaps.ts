import { cleanLabel, DISTINCT_STROKES, dropSharedStart, formatNumber, heapsChart, heapsFitCurve, lineChart, truncate, type ChartOptions, type LineSeries } from '../../charts/index.js';
import type { ExportTable } from '../../pipeline/export.js';
import type { HeapsFit } from '../../metrics/heaps.js';
import type { DiversityModelResult } from '../../pipeline/results.js';
import { REF_COLUMNS, refCells } from './metrics.js';
import { need, type PaneModel } from './model.js';

/** The fit a chart shows: the paper's recipe, else the log-log fit over every prefix. */
export function heapsFitOf(m: DiversityModelResult): { fit: HeapsFit; method: 'paper' | 'log-log' } | null {
  if (m.heaps.paper) return { fit: m.heaps.paper, method: 'paper' };
  if (m.heaps.logLog) return { fit: m.heaps.logLog, method: 'log-log' };
  return null;
}

function legendName(m: DiversityModelResult, ascii: boolean): string {
  const f = heapsFitOf(m);
  return f ? `${m.condition} K=${formatNumber(f.fit.k)} ${ascii ? 'beta' : 'β'}=${formatNumber(f.fit.beta)}` : `${m.condition} (no fit)`;
}

/** Plot rows the overlaid chart keeps at least, beside its legend lines and axes. */
const MIN_OVERLAY_PLOT_ROWS = 4;

/**
 * Every condition's observed V(n) with its fitted curve drawn beside it, and a legend line per
 * condition holding K and β; null when the strokes or the pane cannot tell them apart.
 */
function overlaidHeaps(models: readonly DiversityModelResult[], opts: ChartOptions): string | null {
  const ascii = opts.ascii ?? false;
  const series: LineSeries[] = [];
  const groups: number[][] = [];
  for (const m of models) {
    const observed = m.heaps.curve.map((p) => ({ x: p.n, y: p.v }));
    const f = heapsFitOf(m);
    const group = [series.length];
    series.push({ name: m.condition, points: observed });
    if (f) {
      group.push(series.length);
      series.push({ name: `fit K=${formatNumber(f.fit.k)} ${ascii ? 'beta' : 'β'}=${formatNumber(f.fit.beta)}`, points: heapsFitCurve(m.heaps.curve, f.fit) });
    }
    groups.push(group);
  }
  // Legend lines, the x axis, its tick labels and the title (drawn from 9 rows) around the plot.
  const title = Number(opts.title !== undefined && opts.height >= 9);
  const room = opts.height - groups.length - 2 - title >= MIN_OVERLAY_PLOT_ROWS;
  if (series.length > DISTINCT_STROKES || !room) return null;
  return lineChart(series, { ...opts, logX: true, logY: true, xLabel: 'tokens', legendGroups: groups });
}

function drawHeaps(models: readonly DiversityModelResult[], view: number, opts: ChartOptions): string {
  if (view === 0) {
    const overlaid = overlaidHeaps(models, opts);
    if (overlaid !== null) return overlaid;
    // Too many conditions to overlay their fits: observed curves only, each K and β on a line
    // below — named without the start all share, so a cut legend still tells them apart.
    const names = dropSharedStart(models.map((m) => m.condition));
    const room = Math.floor(opts.height / 3);
    const cut = models.length > room ? models.length - (room - 1) : 0;
    const fits = [
      ...models.slice(0, cut ? room - 1 : room).map((m) => legendName(m, opts.ascii ?? false)),
      ...(cut ? [`${opts.ascii ? '...' : '…'} ${cut} more: m highlights each condition with its fit`] : []),
    ].map((line) => truncate(cleanLabel(line, opts.ascii), opts.width, opts.ascii));
    const series = models.map((m, i) => ({ name: names[i], points: m.heaps.curve.map((p) => ({ x: p.n, y: p.v })) }));
    // More curves than strokes: a legend would give two conditions one mark, so the fits below name them instead.
    const legend = series.length > DISTINCT_STROKES ? { legendGroups: [] } : {};
    const chart = lineChart(series, { ...opts, height: opts.height - fits.length, logX: true, logY: true, xLabel: 'tokens', ...legend });
    return [chart, ...fits].join('\n');
  }
  return highlightedHeaps(models, view - 1, opts);
}

/**
 * One condition picked out of the rest: its observed curve and its fit in strokes of their own,
 * every other condition dotted and dimmed behind them, so that any one of many can be read
 * against the others (m moves the highlight).
 */
function highlightedHeaps(models: readonly DiversityModelResult[], index: number, opts: ChartOptions): string {
  const m = models[index];
  const f = heapsFitOf(m);
  const others = models.filter((_, i) => i !== index).map((o): LineSeries => ({ name: o.condition, points: observedOf(o), dim: true }));
  const title = opts.title ?? `${m.condition}${f ? ` (${f.method} fit)` : ''}${others.length ? `, the other ${others.length} dotted` : ''}`;
  if (!f) {
    const why = m.heaps.reasons.paper ?? m.heaps.reasons.logLog ?? 'no fit';
    return lineChart([{ name: m.condition, points: observedOf(m) }, ...others], { ...opts, title, logX: true, logY: true, xLabel: 'tokens', summary: `no Heaps fit: ${why}` });
  }
  return heapsChart(m.heaps.curve, f.fit, { ...opts, title }, others);
}

const observedOf = (m: DiversityModelResult) => m.heaps.curve.map((p) => ({ x: p.n, y: p.v }));

function heapsTable(models: readonly DiversityModelResult[], view: number): ExportTable {
  if (view === 0) {
    return {
      pane: 'heaps',
      title: "Vocabulary growth: Heaps' law V(n) = K n^beta per condition",
      columns: [...REF_COLUMNS, 'fit', 'K', 'beta', 'R2', 'points', 'tokens', 'types', 'note'],
      rows: models.flatMap((m) =>
        (['paper', 'logLog'] as const).map((which) => {
          const fit = m.heaps[which];
          const method = which === 'paper' ? 'paper' : 'log-log';
          return [...refCells(m), method, fit?.k ?? null, fit?.beta ?? null, fit?.r2 ?? null, fit?.points ?? null, m.tokens, m.types, fit ? null : (m.heaps.reasons[which] ?? null)];
        }),
      ),
      notes: [],
    };
  }
  const m = models[view - 1];
  const f = heapsFitOf(m);
  return {
    pane: 'heaps',
    title: `Vocabulary growth of ${m.condition}${f ? ` (${f.method} fit K=${f.fit.k}, beta=${f.fit.beta})` : ''}`,
    columns: ['condition', 'n', 'V', 'fitted V'],
    rows: m.heaps.curve.map((p) => [m.condition, p.n, p.v, f ? f.fit.k * p.n ** f.fit.beta : null]),
    notes: [],
  };
}

export const heapsPane: PaneModel = {
  id: 'heaps',
  title: 'Vocabulary growth (Heaps)',
  needs: ['diversity'],
  views: (loaded) => ['all conditions', ...need(loaded, 'diversity').models.map((m) => m.condition)],
  draw: (loaded, view, opts) => drawHeaps(need(loaded, 'diversity').models, view, opts),
  table: (loaded, view) => heapsTable(need(loaded, 'diversity').models, view),
  // Which way is better, since β is no bar with an axis to say it on.
  notes: (loaded) => (need(loaded, 'diversity').models.length ? [HEAPS_DIRECTION_NOTE] : []),
};

const HEAPS_DIRECTION_NOTE = 'higher β: the vocabulary keeps growing, more diverse (β near 0: it stopped)';
