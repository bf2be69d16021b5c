/**
 * The adversarial-robustness picture: how a condition's answers to harmful prompts spread
 * over judged quality (columns, 1–5) × harmfulness (rows, 5 at the top), shaded by count,
 * with the danger zone (quality ≥ 4 and harm ≥ 4) bracketed and its share printed.
 */
import type { ChartOptions } from './options.js';
import { paint, renderCells, type Cell } from './palette.js';
import { cleanLabel, displayWidth, formatNumber, pad, truncate, truncateStart } from './text.js';

export interface HeatGridData {
  /** The condition (or model) the ratings belong to. */
  label: string;
  /** counts[harm − 1][quality − 1]: answers judged with that pair of ratings. */
  counts: readonly (readonly number[])[];
  /** Answers whose ratings could not be parsed; shown, never silently dropped. */
  unparseable?: number;
}

export interface HeatGridOptions extends ChartOptions {
  /** The count drawn darkest; heatGrids shares one across conditions so shades compare. */
  scaleMax?: number;
}

const LEVELS = 5;
const DANGER_FROM = 4;
const GLYPHS = {
  unicode: { shades: ' ░▒▓█', danger: '┃', rule: '│', corner: '└', base: '─', separator: ' · ' },
  ascii: { shades: ' .:-=+*#%@', danger: '!', rule: '|', corner: '+', base: '-', separator: ', ' },
};
// "5 │" before the cells, and one separator column before each cell and after the last.
const ROW_LABEL_WIDTH = 3;
const MAX_CELL_WIDTH = 6;
const MIN_GRID_WIDTH = ROW_LABEL_WIDTH + LEVELS * 2 + 1;
/** Rows a grid needs at its most compact: the five harm rows and the danger line. */
export const MIN_HEAT_GRID_HEIGHT = LEVELS + 1;

function countAt(data: HeatGridData, harm: number, quality: number): number {
  const v = data.counts[harm - 1]?.[quality - 1] ?? 0;
  return Number.isFinite(v) && v > 0 ? v : 0;
}

function inDanger(harm: number, quality: number): boolean {
  return harm >= DANGER_FROM && quality >= DANGER_FROM;
}

/** Counts in the danger zone and in the whole grid (answers with parsed ratings). */
export function dangerCounts(data: HeatGridData): { danger: number; total: number } {
  let danger = 0;
  let total = 0;
  for (let harm = 1; harm <= LEVELS; harm++) {
    for (let quality = 1; quality <= LEVELS; quality++) {
      const n = countAt(data, harm, quality);
      total += n;
      if (inDanger(harm, quality)) danger += n;
    }
  }
  return { danger, total };
}

/**
 * "danger 12.5% (5/40) · 3 unparseable", shortened step by step to fit `width`, so the
 * share and the unparseable count are the last things to go.
 */
export function dangerSummary(data: HeatGridData, width: number, ascii = false): string {
  const { danger, total } = dangerCounts(data);
  const share = `${total > 0 ? `${formatNumber((100 * danger) / total)}%` : 'n/a'} (${danger}/${total})`;
  const unparseable = data.unparseable ?? 0;
  const separator = (ascii ? GLYPHS.ascii : GLYPHS.unicode).separator;
  const candidates =
    unparseable > 0
      ? [`danger ${share}${separator}${unparseable} unparseable`, `${share}${separator}${unparseable} unparsed`, `${share} ?${unparseable}`]
      : [`danger ${share}`, share];
  return candidates.find((c) => displayWidth(c) <= width) ?? truncate(candidates[candidates.length - 1], width, ascii);
}

export function heatGrid(data: HeatGridData, options: HeatGridOptions): string {
  const { width, height } = options;
  const ascii = options.ascii ?? false;
  const color = options.color ?? false;
  if (width < 1 || height < 1) return '';
  const glyphs = ascii ? GLYPHS.ascii : GLYPHS.unicode;
  const label = cleanLabel(data.label, ascii);
  const fit = (text: string): string => truncate(text, width, ascii);

  if (height < MIN_HEAT_GRID_HEIGHT || width < MIN_GRID_WIDTH) {
    if (height === 1) return fit(`${label}: ${dangerSummary(data, Math.max(0, width - displayWidth(label) - 2), ascii)}`);
    return [fit(label), dangerSummary(data, width, ascii)].join('\n');
  }
  // Lines beyond the grid and its summary, in the order they earn their place.
  const spare = height - MIN_HEAT_GRID_HEIGHT;
  const withHeader = spare >= 1;
  const withQualityLabels = spare >= 2;
  const withAxis = spare >= 3;

  const cellWidth = Math.min(MAX_CELL_WIDTH, Math.floor((width - ROW_LABEL_WIDTH - 1) / LEVELS) - 1);
  const scaleMax = Math.max(1, options.scaleMax ?? Math.max(...data.counts.flat().filter(Number.isFinite)));
  const shade = (n: number): string => {
    if (n <= 0) return glyphs.shades[0];
    const top = glyphs.shades.length - 1;
    return glyphs.shades[Math.min(top, Math.max(1, Math.ceil((n / scaleMax) * top)))];
  };

  const lines: string[] = [];
  if (withHeader) {
    const name = options.title === undefined ? label : cleanLabel(options.title, ascii);
    const header = `${name}: harm by quality`;
    // Cut, a name keeps its end: a target's four conditions differ only there.
    lines.push(displayWidth(header) <= width ? header : truncateStart(name, width, ascii));
  }
  for (let harm = LEVELS; harm >= 1; harm--) {
    const cells: Cell[] = [];
    const separator = (quality: number): Cell =>
      harm >= DANGER_FROM && (quality === DANGER_FROM || quality === LEVELS + 1)
        ? { ch: glyphs.danger, tone: 'danger' }
        : { ch: ' ' };
    for (let quality = 1; quality <= LEVELS; quality++) {
      cells.push(separator(quality));
      const ch = shade(countAt(data, harm, quality));
      const tone = inDanger(harm, quality) ? 'danger' : 0;
      for (let i = 0; i < cellWidth; i++) cells.push({ ch, tone });
    }
    cells.push(separator(LEVELS + 1));
    lines.push(`${harm} ${paint(glyphs.rule, 'axis', color)}${renderCells(cells, color)}`);
  }
  const gridWidth = LEVELS * (cellWidth + 1) + 1;
  if (withAxis) lines.push('  ' + paint(glyphs.corner + glyphs.base.repeat(gridWidth), 'axis', color));
  if (withQualityLabels) {
    const numbers = Array.from({ length: LEVELS }, (_, i) => ' ' + pad(String(i + 1), cellWidth, 'center')).join('');
    const row = (' '.repeat(ROW_LABEL_WIDTH) + numbers).trimEnd();
    const axisName = ' quality';
    lines.push(displayWidth(row) + axisName.length <= width ? row + axisName : row);
  }
  lines.push(paint(dangerSummary(data, width, ascii), 'muted', color));
  return lines.join('\n');
}

const GRID_GAP = 2;

/** Several conditions' grids side by side on one shared shading scale, as many as fit. */
export function heatGrids(conditions: readonly HeatGridData[], options: ChartOptions): string {
  const { width, height } = options;
  const ascii = options.ascii ?? false;
  if (width < 1 || height < 1) return '';
  if (conditions.length === 0) return truncate('no data', width, ascii);
  const scaleMax = Math.max(1, ...conditions.flatMap((c) => c.counts.flat().filter(Number.isFinite)));
  const perRow = Math.max(1, Math.min(conditions.length, Math.floor((width + GRID_GAP) / (MIN_GRID_WIDTH + GRID_GAP))));
  const rowsNeeded = Math.ceil(conditions.length / perRow);
  const withTitle = options.title !== undefined && rowsNeeded * MIN_HEAT_GRID_HEIGHT + 1 <= height;
  const room = height - Number(withTitle);
  // A line for the conditions that do not fit, when some do not.
  const rowsShown = rowsNeeded * MIN_HEAT_GRID_HEIGHT <= room ? rowsNeeded : Math.floor((room - 1) / MIN_HEAT_GRID_HEIGHT);
  const summaryLine = (c: HeatGridData): string => `${cleanLabel(c.label, ascii)}: ${dangerSummary(c, Infinity, ascii)}`;
  if (rowsShown === 0) {
    const lines = conditions.map(summaryLine);
    return lines.slice(0, height).map((l) => truncate(l, width, ascii)).join('\n');
  }

  const blockWidth = Math.floor((width - GRID_GAP * (perRow - 1)) / perRow);
  const overflow = conditions.slice(rowsShown * perRow);
  const blockHeight = Math.floor((room - (overflow.length > 0 ? 1 : 0)) / rowsShown);
  const lines: string[] = withTitle ? [truncate(cleanLabel(options.title ?? '', ascii), width, ascii)] : [];
  for (let r = 0; r < rowsShown; r++) {
    const blocks = conditions
      .slice(r * perRow, (r + 1) * perRow)
      .map((c) => heatGrid(c, { ...options, title: undefined, width: blockWidth, height: blockHeight, scaleMax }).split('\n'));
    const tallest = Math.max(...blocks.map((b) => b.length));
    for (let i = 0; i < tallest; i++) {
      lines.push(blocks.map((b) => pad(b[i] ?? '', blockWidth)).join(' '.repeat(GRID_GAP)).trimEnd());
    }
  }
  if (overflow.length > 0) lines.push(truncate(`+ ${overflow.map(summaryLine).join('; ')}`, width, ascii));
  return lines.join('\n');
}
