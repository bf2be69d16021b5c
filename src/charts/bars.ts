/**
 * Horizontal bars with 95% interval whiskers on one shared scale, so conditions and targets
 * compare at a glance. Bars start from zero, so a bar's length is its value (92.2 against 96
 * draws as 92 against 96, not 3 against 24); zero is drawn as a line when the scale has negative
 * values (SPB and PSB can be negative). A caller's domain that starts above zero is said on the axis.
 */
import type { ChartOptions } from './options.js';
import { blankCells, paint, renderCells, type Cell } from './palette.js';
import { cellOf, type Scale } from './scale.js';
import { cleanLabel, displayWidth, dropSharedStart, formatNumber, pad, truncate } from './text.js';

export interface BarRow {
  label: string;
  value: number | null;
  /** Interval bounds (95% bootstrap by convention); both or neither. */
  lo?: number | null;
  hi?: number | null;
  /** How many items the value rests on; printed beside it. */
  n?: number;
  /** Rows sharing a group (a target) are drawn together under its name. */
  group?: string;
}

export interface BarChartOptions extends ChartOptions {
  /** Row order, applied within each group; 'given' keeps the caller's order. */
  order?: 'given' | 'descending' | 'ascending';
  /**
   * Fix the scale (e.g. to compare panes); values outside it are clamped. One that starts above
   * zero says so on the axis, since its bars' lengths are no longer their values.
   */
  domain?: readonly [number, number];
  /**
   * Printed on the axis between its ends, e.g. which way is better: the first of these that fits
   * ("↓ better: fits human text", then "↓ better"). The axis shows whenever there is one.
   */
  axisNote?: readonly string[];
  /** Appended to printed values, e.g. "%". */
  unit?: string;
  /**
   * Columns for the labels and (at least) the values, so charts drawn apart line up bar for bar
   * (Compare's sessions): see `barColumns`. Without them each chart fits its own rows.
   */
  columns?: BarColumns;
}

export interface BarColumns {
  labelWidth: number;
  valueWidth: number;
}

const valueText = (row: BarRow, unitText: string, withN: boolean): string =>
  formatNumber(row.value) + (row.value === null ? '' : unitText) + (withN && row.n !== undefined ? ` n=${formatNumber(row.n)}` : '');

/**
 * The label and value columns that fit every one of several charts `width` wide: labels as
 * the longest (in its longer, ungrouped form) allows, values as the widest with its n.
 */
export function barColumns(rowSets: readonly (readonly BarRow[])[], width: number, opts: { unit?: string; ascii?: boolean } = {}): BarColumns {
  const rows = rowSets.flat();
  const unitText = cleanLabel(opts.unit ?? '', opts.ascii ?? false);
  const longest = Math.max(1, ...rows.map((r) => displayWidth(cleanLabel(ungroupedLabel(r), opts.ascii ?? false))));
  return { labelWidth: labelColumn(longest, width), valueWidth: Math.max(1, ...rows.map((r) => displayWidth(valueText(r, unitText, true)))) };
}

/** A row's label when its group is not drawn as a header: "single (qwen-s)". */
const ungroupedLabel = (row: BarRow, group = row.group) => (group ? `${row.label} (${group})` : row.label);

/**
 * Group names without the start they all share ("founders-small", "founders-large" → "small",
 * "large"): a label column too narrow for the full names would cut their ends, where they
 * differ, and every row would read "vanilla (founde…".
 */
function distinctGroupNames(rows: readonly BarRow[]): Map<string, string> {
  const groups = [...new Set(rows.flatMap((r) => (r.group === undefined ? [] : [r.group])))];
  const short = dropSharedStart(groups);
  return new Map(groups.map((g, i) => [g, short[i]]));
}

/** The label column for labels `longest` cells wide, in a chart `width` wide. */
const labelColumn = (longest: number, width: number) => Math.max(1, Math.min(longest, Math.floor(width * MAX_LABEL_SHARE)));

const GLYPHS = {
  unicode: { bar: '█', whisker: '─', lo: '├', hi: '┤', both: '┼', zero: '│', more: '…' },
  ascii: { bar: '#', whisker: '-', lo: '|', hi: '|', both: '+', zero: ':', more: '...' },
};

const MIN_BAR_CELLS = 5;
const MAX_LABEL_SHARE = 0.3;

type Entry = { header: string } | { row: BarRow; label: string };

export function barChart(rows: readonly BarRow[], options: BarChartOptions): string {
  const { width, height } = options;
  const ascii = options.ascii ?? false;
  const color = options.color ?? false;
  if (width < 1 || height < 1) return '';
  if (rows.length === 0) return truncate('no data', width, ascii);
  const glyphs = ascii ? GLYPHS.ascii : GLYPHS.unicode;
  const unitText = cleanLabel(options.unit ?? '', ascii);
  const ordered = orderRows(rows, options.order ?? 'given');
  const clean = (text: string): string => cleanLabel(text, ascii);

  // Group headers cost a line each; when the rows alone barely fit, the group moves into the label.
  let entries = grouped(ordered, clean);
  if (entries.length + 1 > height) {
    const room = options.columns?.labelWidth ?? Math.floor(width * MAX_LABEL_SHARE);
    const fits = ordered.every((row) => displayWidth(clean(ungroupedLabel(row))) <= room);
    const names = fits ? undefined : distinctGroupNames(ordered);
    entries = ordered.map((row) => ({ row, label: clean(ungroupedLabel(row, row.group === undefined ? undefined : (names?.get(row.group) ?? row.group))) }));
  }
  const rowEntries = entries.filter((e): e is { row: BarRow; label: string } => 'row' in e);
  const longest = Math.max(...rowEntries.map((e) => displayWidth(e.label)));
  const labelWidth = options.columns?.labelWidth ?? labelColumn(longest, width);
  const layoutFor = (withN: boolean) => {
    const own = Math.max(...rowEntries.map((e) => displayWidth(valueText(e.row, unitText, withN))));
    // Shared columns count the n in their width; without it, the value's own width will do.
    const valueWidth = withN ? Math.max(own, options.columns?.valueWidth ?? 0) : own;
    return { withN, valueWidth, barCells: width - labelWidth - valueWidth - 2 };
  };
  const layout = [layoutFor(true), layoutFor(false)].find((l) => l.barCells >= MIN_BAR_CELLS);
  const listed = (): string => compact(rowEntries.map((e) => `${e.label.trim()} ${valueText(e.row, unitText, false)}`), options, glyphs.more);
  if (!layout) return listed();

  const scale = scaleFor(rows, options.domain);
  // Bars that start above zero need their axis on screen, or they would read as starting from it;
  // so does a note on how to read them.
  const showAxis = entries.length + 1 <= height || ((scale.min > 0 || (options.axisNote ?? []).length > 0) && height >= 2);
  const showTitle = options.title !== undefined && entries.length + 2 <= height;
  const room = height - Number(showAxis) - Number(showTitle);
  const hidden = entries.length > room ? entries.length - (room - 1) : 0;
  // A pane with room for the overflow note alone lists the values instead.
  if (hidden > 0 && room < 2) return listed();
  const visible = hidden > 0 ? entries.slice(0, room - 1) : entries;

  const lines: string[] = [];
  if (showTitle) lines.push(truncate(clean(options.title ?? ''), width, ascii));
  for (const entry of visible) {
    if ('header' in entry) {
      lines.push(paint(truncate(entry.header, width, ascii), 'muted', color));
      continue;
    }
    const bar = renderCells(barCells(entry.row, scale, layout.barCells, glyphs), color);
    const label = pad(truncate(entry.label, labelWidth, ascii), labelWidth);
    lines.push(`${label} ${bar} ${valueText(entry.row, unitText, layout.withN)}`);
  }
  if (hidden > 0) lines.push(truncate(`${glyphs.more} ${hidden} more`, width, ascii));
  if (showAxis) {
    const notes = (options.axisNote ?? []).map(clean);
    lines.push(' '.repeat(labelWidth + 1) + paint(axisLabels(scale, layout.barCells, unitText, ascii, notes), 'axis', color));
  }
  return lines.join('\n');
}

function orderRows(rows: readonly BarRow[], order: NonNullable<BarChartOptions['order']>): BarRow[] {
  if (order === 'given') return [...rows];
  const sign = order === 'descending' ? -1 : 1;
  // Rows without a value sink to the end whichever way the rest is sorted.
  return [...rows].sort((a, b) => {
    if (a.value === null || b.value === null) return Number(a.value === null) - Number(b.value === null);
    return sign * (a.value - b.value);
  });
}

/** Rows gathered under their group's header, groups in order of first appearance. */
function grouped(rows: readonly BarRow[], clean: (text: string) => string): Entry[] {
  if (rows.every((r) => r.group === undefined)) return rows.map((row) => ({ row, label: clean(row.label) }));
  const groups = new Map<string, BarRow[]>();
  for (const row of rows) {
    const key = row.group ?? '';
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups].flatMap(([group, members]): Entry[] => [
    { header: clean(group) },
    ...members.map((row) => ({ row, label: `  ${clean(row.label)}` })),
  ]);
}

/** Every finite value and interval bound of the rows: what a scale must hold. */
export function barBounds(rows: readonly BarRow[]): number[] {
  return rows.flatMap((r) => [r.value, r.lo, r.hi]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** The shared scale: every value and interval bound, and zero, since bars start there. */
function scaleFor(rows: readonly BarRow[], domain: BarChartOptions['domain']): Scale {
  if (domain && domain[0] < domain[1]) return { min: domain[0], max: domain[1], log: false };
  const values = barBounds(rows);
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  return min < max ? { min, max, log: false } : { min: 0, max: 1, log: false };
}

function barCells(row: BarRow, scale: Scale, cells: number, glyphs: (typeof GLYPHS)['unicode']): Cell[] {
  const out = blankCells(cells);
  const zero = cellOf(scale, 0, cells);
  const zeroLine = scale.min < 0;
  if (zeroLine) out[zero] = { ch: glyphs.zero, tone: 'axis' };
  if (row.value !== null && Number.isFinite(row.value) && row.value !== 0) {
    const end = cellOf(scale, row.value, cells);
    // Cell `zero` holds the zero line when there is one; otherwise it is where bars begin.
    const [from, to] = row.value > 0 ? [zeroLine ? zero + 1 : zero, end] : [end, zero - 1];
    for (let c = from; c <= to; c++) out[c] = { ch: glyphs.bar, tone: 0 };
  }
  if (typeof row.lo === 'number' && typeof row.hi === 'number' && Number.isFinite(row.lo) && Number.isFinite(row.hi)) {
    const lo = cellOf(scale, Math.min(row.lo, row.hi), cells);
    const hi = cellOf(scale, Math.max(row.lo, row.hi), cells);
    for (let c = lo + 1; c < hi; c++) if (out[c].ch === ' ') out[c] = { ch: glyphs.whisker, tone: 'axis' };
    if (lo === hi) out[lo] = { ch: glyphs.both, tone: 'axis' };
    else {
      out[lo] = { ch: glyphs.lo, tone: 'axis' };
      out[hi] = { ch: glyphs.hi, tone: 'axis' };
    }
  }
  return out;
}

/**
 * The scale's range under the bars: minimum at the left (saying it is not zero when it is above
 * it), maximum at the right, zero between, and the note after the minimum; what has no room
 * after the ends is left out, the note last.
 */
function axisLabels(scale: Scale, cells: number, unitText: string, ascii: boolean, notes: readonly string[]): string {
  const row = new Array<string>(cells).fill(' ');
  const put = (text: string, from: number): boolean => {
    const chars = Array.from(text);
    if (from < 0 || from + chars.length > cells) return false;
    if (row.slice(Math.max(0, from - 1), from + chars.length + 1).some((ch) => ch !== ' ')) return false;
    chars.forEach((ch, i) => (row[from + i] = ch));
    return true;
  };
  const minText = formatNumber(scale.min) + unitText;
  const maxText = formatNumber(scale.max) + unitText;
  // A cut axis reads as one from zero unless it says otherwise, in words where they fit.
  const cut = scale.min > 0 ? [`${minText} (not from 0)`, `${minText}${ascii ? '!=0' : '≠0'}`] : [];
  const left = [...cut, minText].find((text) => displayWidth(text) + displayWidth(maxText) + 2 <= cells) ?? minText;
  put(left, 0);
  put(maxText, cells - displayWidth(maxText));
  if (scale.min < 0 && scale.max > 0) put('0', cellOf(scale, 0, cells));
  // The first note that fits goes after the minimum, or past the zero line.
  notes.some((note) => [displayWidth(left) + 2, cellOf(scale, 0, cells) + 3].some((from) => put(note, from)));
  return row.join('').trimEnd();
}

/** Too narrow for bars: one "label value" line per row, or all of them on one line. */
function compact(items: readonly string[], options: BarChartOptions, more: string): string {
  const ascii = options.ascii ?? false;
  const fit = (text: string): string => truncate(text, options.width, ascii);
  if (options.height === 1 || items.length === 0) return fit(items.join('  '));
  if (items.length <= options.height) return items.map(fit).join('\n');
  const shown = items.slice(0, options.height - 1);
  return [...shown.map(fit), fit(`${more} ${items.length - shown.length} more`)].join('\n');
}
