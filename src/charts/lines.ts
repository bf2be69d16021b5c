/**
 * Multi-series line charts. Each series is resampled onto the plot's columns (series may
 * differ in length and x-range), its levels are drawn by asciichart one gap-free run at a
 * time, and the runs are overlaid on one grid beside our own axes, ticks and legend.
 */
import asciichart from 'asciichart';
import type { ChartOptions } from './options.js';
import { blankCells, paint, renderCells, type Cell, type Tone } from './palette.js';
import { cellOf, onScale, scaleOf, ticks, unit, type Scale } from './scale.js';
import { cleanLabel, displayWidth, formatNumber, pad, truncate } from './text.js';

export interface Point {
  x: number;
  /** null (or NaN) leaves a gap in the line. */
  y: number | null;
}

export interface LineSeries {
  name: string;
  /** Points in any x order, or bare values whose x is their 1-based position. */
  points: readonly Point[] | readonly (number | null)[];
  /**
   * Context behind the series that matter: drawn dotted in the muted tone, under every other
   * series, and left out of the legend; the others keep their own strokes as if it were absent.
   */
  dim?: boolean;
}

export interface LineChartOptions extends ChartOptions {
  xLabel?: string;
  /** Appended to the y-axis labels, e.g. "s" or " tok/s". */
  yUnit?: string;
  logX?: boolean;
  logY?: boolean;
  yMin?: number;
  yMax?: number;
  /** The one line shown when the pane is too small for a plot; defaults to each series' last value. */
  summary?: string;
  /** A legend line per group of series indices (e.g. a curve and its fit) instead of one line for all. */
  legendGroups?: readonly (readonly number[])[];
}

// Each series gets its own horizontal stroke so lines stay distinguishable without colour.
const STROKES = { unicode: ['─', '╌', '┄', '═', '┈', '━'], ascii: ['-', '=', '~', '*', ':', 'o'] };
/** A dimmed series is dots throughout, risers and corners too, so it never reads as one of the strokes. */
const DIM_DOT = { unicode: '·', ascii: '.' };
/** Series one chart can draw with strokes of their own; more repeat a stroke. */
export const DISTINCT_STROKES = STROKES.unicode.length;
const AXIS = {
  unicode: { tick: '┤', rule: '│', corner: '└', base: '─', xTick: '┬' },
  ascii: { tick: '+', rule: '|', corner: '+', base: '-', xTick: '+' },
};

const MIN_PLOT_ROWS = 3;
const MIN_PLOT_COLUMNS = 8;

export function lineChart(series: readonly LineSeries[], options: LineChartOptions): string {
  const { width, height } = options;
  const ascii = options.ascii ?? false;
  const color = options.color ?? false;
  if (width < 1 || height < 1) return '';
  const data = series.map((s) => ({ name: cleanLabel(s.name, ascii), points: normalise(s.points), dim: s.dim ?? false }));
  const xScale = scaleOf(data.flatMap((s) => s.points.map((p) => p.x)), options.logX ?? false);
  const yScale = yScaleOf(data, options);
  if (!xScale || !yScale) return compactForm('no data', options);
  const compact = (): string => compactForm(options.summary ?? lastValues(data, options.yUnit ?? ''), options);
  if (height < MIN_PLOT_ROWS + 1) return compact();

  const withTicks = height >= 6;
  const groups = options.legendGroups ?? [data.flatMap((s, i) => (s.dim ? [] : [i]))];
  const withLegend = height >= 6 + groups.length;
  const withTitle = height >= 9 && options.title !== undefined;
  const plotRows = height - 1 - Number(withTicks) - (withLegend ? groups.length : 0) - Number(withTitle);

  const yLabels = yAxisLabels(yScale, plotRows, options.yUnit ?? '', ascii);
  const labelWidth = Math.max(0, ...[...yLabels.values()].map(displayWidth));
  const plotColumns = width - labelWidth - 2;
  if (plotColumns < MIN_PLOT_COLUMNS) return compact();

  const strokes = ascii ? STROKES.ascii : STROKES.unicode;
  const axis = ascii ? AXIS.ascii : AXIS.unicode;
  const grid = Array.from({ length: plotRows }, () => blankCells(plotColumns));
  // Each undimmed series' stroke and colour, numbered as though the dimmed ones were not there.
  const style = new Map(data.flatMap((s, i) => (s.dim ? [] : [i])).map((i, k) => [i, { stroke: strokes[k % strokes.length], tone: k }]));
  const dot = ascii ? DIM_DOT.ascii : DIM_DOT.unicode;
  // Dimmed series first, under the rest; then last to first, so the first series, the one that matters most, ends up on top.
  const order = [...data.keys()].reverse().sort((a, b) => Number(data[b].dim) - Number(data[a].dim));
  for (const i of order) {
    const levels = resample(data[i].points, xScale, yScale, plotColumns, plotRows);
    const own = style.get(i);
    overlay(grid, levels, plotRows, own ? glyphs(own.stroke, ascii) : dimGlyphs(dot), own ? own.tone : 'muted');
  }

  const lines: string[] = [];
  if (withTitle) lines.push(truncate(cleanLabel(options.title ?? '', ascii), width, ascii));
  if (withLegend) {
    for (const group of groups) {
      const items = group.flatMap((i) => {
        const own = style.get(i);
        return own ? [{ mark: own.stroke.repeat(2), name: data[i].name, tone: own.tone }] : [];
      });
      lines.push(legend(items, width, color, ascii));
    }
  }
  grid.forEach((row, r) => {
    const label = yLabels.get(r);
    const rule = paint(label === undefined ? axis.rule : axis.tick, 'axis', color);
    lines.push(`${pad(label ?? '', labelWidth, 'right')} ${rule}${renderCells(row, color)}`);
  });
  const xTicks = ticks(xScale, Math.max(2, Math.floor(plotColumns / 10)));
  const tickColumns = new Set(xTicks.map((v) => cellOf(xScale, v, plotColumns)));
  const base = Array.from({ length: plotColumns }, (_, c) => (tickColumns.has(c) ? axis.xTick : axis.base)).join('');
  lines.push(' '.repeat(labelWidth + 1) + paint(axis.corner + base, 'axis', color));
  if (withTicks) {
    const labels = xTicks.map((v) => ({ text: formatNumber(v), at: cellOf(xScale, v, plotColumns) }));
    lines.push(' '.repeat(labelWidth + 2) + tickLabelRow(labels, plotColumns, cleanLabel(options.xLabel ?? '', ascii), ascii));
  }
  return lines.join('\n');
}

type Glyphs = [string, string, string, string, string, string, string, string, string, string];

/** asciichart's symbol table: axis, axis, caps, stroke, then the four corners and the riser. */
function glyphs(stroke: string, ascii: boolean): Glyphs {
  return ascii
    ? ['+', '|', '-', '-', stroke, '`', '.', '.', "'", '|']
    : ['┼', '┤', '╶', '╴', stroke, '╰', '╭', '╮', '╯', '│'];
}

function dimGlyphs(dot: string): Glyphs {
  return [' ', ' ', dot, dot, dot, dot, dot, dot, dot, dot];
}

function normalise(points: LineSeries['points']): Point[] {
  const out = points.map((p, i): Point => (typeof p === 'object' && p !== null ? p : { x: i + 1, y: p }));
  return out.filter((p) => Number.isFinite(p.x)).sort((a, b) => a.x - b.x);
}

function yScaleOf(data: readonly { points: Point[] }[], options: LineChartOptions): Scale | null {
  const log = options.logY ?? false;
  const found = scaleOf(data.flatMap((s) => s.points.map((p) => p.y ?? NaN)), log);
  const min = options.yMin ?? found?.min;
  const max = options.yMax ?? found?.max;
  if (min === undefined || max === undefined) return null;
  return min < max ? { min, max, log } : scaleOf([min, max], log);
}

/** Labels for a few rows of the plot (row 0 at the top), keyed by row. */
function yAxisLabels(scale: Scale, rows: number, unitText: string, ascii: boolean): Map<number, string> {
  const labels = new Map<number, string>();
  for (const v of ticks(scale, Math.max(2, Math.floor(rows / 3) + 1))) {
    labels.set(rows - 1 - cellOf(scale, v, rows), cleanLabel(formatNumber(v) + unitText, ascii));
  }
  return labels;
}

/**
 * The level (0 = bottom row) of each column, NaN where the series has no data: points
 * landing in one column are averaged, columns between two neighbouring points interpolated,
 * and a null point breaks the line.
 */
function resample(points: readonly Point[], xScale: Scale, yScale: Scale, columns: number, rows: number): number[] {
  const placed = points
    .filter((p) => onScale(xScale, p.x))
    .map((p) => ({
      column: cellOf(xScale, p.x, columns),
      u: p.y !== null && onScale(yScale, p.y) ? unit(yScale, p.y) : NaN,
    }));
  const sum = new Array<number>(columns).fill(0);
  const count = new Array<number>(columns).fill(0);
  for (const p of placed) {
    if (Number.isNaN(p.u)) continue;
    sum[p.column] += p.u;
    count[p.column]++;
  }
  const u = sum.map((s, c) => (count[c] > 0 ? s / count[c] : NaN));
  for (let i = 0; i + 1 < placed.length; i++) {
    const a = placed[i];
    const b = placed[i + 1];
    if (Number.isNaN(a.u) || Number.isNaN(b.u)) continue;
    for (let c = a.column + 1; c < b.column; c++) {
      if (count[c] === 0) u[c] = a.u + ((b.u - a.u) * (c - a.column)) / (b.column - a.column);
    }
  }
  return u.map((v) => (Number.isNaN(v) ? NaN : Math.min(rows - 1, Math.max(0, Math.round(v * (rows - 1))))));
}

/** Draw each gap-free run of levels with asciichart and copy its strokes onto the grid. */
function overlay(grid: Cell[][], levels: readonly number[], rows: number, symbols: Glyphs, tone: Tone): void {
  let c = 0;
  while (c < levels.length) {
    if (Number.isNaN(levels[c])) {
      c++;
      continue;
    }
    const start = c;
    while (c < levels.length && !Number.isNaN(levels[c])) c++;
    const run = levels.slice(start, c);
    // With offset 1, asciichart draws the step from value j to j+1 in column j+1; repeating the
    // first value makes column k of the output show how the run arrived at its k-th level.
    const drawn = asciichart
      .plot([run[0], ...run], { min: 0, max: rows - 1, height: rows - 1, offset: 1, symbols, format: () => ' ' })
      .split('\n');
    drawn.forEach((line, r) => {
      const chars = Array.from(line);
      for (let k = 0; k < run.length; k++) {
        const ch = chars[k + 1];
        if (ch !== undefined && ch !== ' ') grid[r][start + k] = { ch, tone };
      }
    });
  }
}

interface TickLabel {
  text: string;
  at: number;
}

/** Tick labels centred under their columns, skipping any that would collide; the axis name at the right. */
function tickLabelRow(labels: readonly TickLabel[], columns: number, axisName: string, ascii: boolean): string {
  const row = new Array<string>(columns).fill(' ');
  const taken = new Array<boolean>(columns).fill(false);
  const put = (text: string, from: number): boolean => {
    const chars = Array.from(text);
    if (from < 0 || from + chars.length > columns) return false;
    // One free cell either side keeps neighbouring labels apart.
    for (let i = from - 1; i <= from + chars.length; i++) if (taken[i]) return false;
    chars.forEach((ch, i) => {
      row[from + i] = ch;
      taken[from + i] = true;
    });
    return true;
  };
  if (axisName !== '') {
    const name = truncate(axisName, Math.floor(columns / 3), ascii);
    put(name, columns - displayWidth(name));
  }
  for (const label of labels) {
    const len = label.text.length;
    const from = Math.min(columns - len, Math.max(0, label.at - Math.floor(len / 2)));
    put(label.text, from);
  }
  return row.join('').trimEnd();
}

interface LegendItem {
  mark: string;
  name: string;
  tone: number;
}

/** "── train  ╌╌ eval", names shortened evenly when the line would not fit. */
function legend(items: readonly LegendItem[], width: number, color: boolean, ascii: boolean): string {
  const fixed = items.reduce((sum, it, i) => sum + displayWidth(it.mark) + 1 + (i > 0 ? 2 : 0), 0);
  const natural = items.reduce((sum, it) => sum + displayWidth(it.name), 0);
  const share = natural + fixed <= width ? Infinity : Math.floor((width - fixed) / Math.max(1, items.length));
  let out = '';
  let used = 0;
  for (const it of items) {
    const name = share === Infinity ? it.name : truncate(it.name, share, ascii);
    const gap = used > 0 ? 2 : 0;
    const itemWidth = displayWidth(it.mark) + 1 + displayWidth(name);
    if (name === '' || used + gap + itemWidth > width) break;
    out += ' '.repeat(gap) + paint(it.mark, it.tone, color) + ' ' + name;
    used += gap + itemWidth;
  }
  return out;
}

function lastValues(data: readonly { name: string; points: Point[] }[], unitText: string): string {
  return data
    .map((s) => {
      const last = [...s.points].reverse().find((p) => p.y !== null && Number.isFinite(p.y));
      return `${s.name} ${last ? formatNumber(last.y) + unitText : 'n/a'}`;
    })
    .join('  ');
}

/** The compact form: the title (when there is room) above one line of text. */
function compactForm(text: string, options: LineChartOptions): string {
  const ascii = options.ascii ?? false;
  const lines = options.title !== undefined && options.height >= 2 ? [options.title, text] : [text];
  return lines.map((l) => truncate(cleanLabel(l, ascii), options.width, ascii)).join('\n');
}

export interface HeapsFit {
  k: number;
  beta: number;
  r2?: number | null;
}

/** The fitted V = K·n^β at points spaced evenly on a log axis over the observed range of n. */
export function heapsFitCurve(observed: readonly { n: number }[], fit: HeapsFit, samples = 64): Point[] {
  const ns = observed.map((p) => p.n).filter((n) => n > 0);
  if (ns.length === 0) return [];
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return Array.from({ length: samples }, (_, i) => {
    const n = lo * (hi / lo) ** (i / (samples - 1));
    return { x: n, y: fit.k * n ** fit.beta };
  });
}

/** Vocabulary growth on log-log axes: the observed V(n) beside the fitted V = K·n^β, and any `context` series (dimmed ones) behind them. */
export function heapsChart(observed: readonly { n: number; v: number }[], fit: HeapsFit, options: ChartOptions, context: readonly LineSeries[] = []): string {
  const ascii = options.ascii ?? false;
  const params = [
    `K=${formatNumber(fit.k)}`,
    `${ascii ? 'beta' : 'β'}=${formatNumber(fit.beta)}`,
    ...(fit.r2 === undefined || fit.r2 === null ? [] : [`${ascii ? 'R2' : 'R²'}=${formatNumber(fit.r2)}`]),
  ].join(' ');
  const curve = heapsFitCurve(observed, fit);
  const last = observed[observed.length - 1];
  return lineChart(
    [
      { name: 'observed', points: observed.map((p) => ({ x: p.n, y: p.v })) },
      { name: `fit ${params}`, points: curve },
      ...context,
    ],
    {
      ...options,
      logX: true,
      logY: true,
      xLabel: 'tokens',
      summary: last ? `V=${formatNumber(last.v)} at n=${formatNumber(last.n)}  ${params}` : params,
    },
  );
}

export interface LossPoint {
  step: number;
  loss: number | null;
}

/** Live training loss, with eval loss as the second series once there is any. */
export function lossChart(train: readonly LossPoint[], evalLoss: readonly LossPoint[], options: ChartOptions): string {
  const toPoints = (ps: readonly LossPoint[]): Point[] => ps.map((p) => ({ x: p.step, y: p.loss }));
  const series: LineSeries[] = [{ name: 'train', points: toPoints(train) }];
  if (evalLoss.length > 0) series.push({ name: 'eval', points: toPoints(evalLoss) });
  const lastStep = Math.max(...train.map((p) => p.step), ...evalLoss.map((p) => p.step));
  const summary = Number.isFinite(lastStep)
    ? `${lastValues(series.map((s) => ({ name: s.name, points: normalise(s.points) })), '')} @ step ${formatNumber(lastStep)}`
    : undefined;
  return lineChart(series, { ...options, xLabel: 'step', summary });
}
