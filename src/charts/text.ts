/**
 * Text measuring and formatting for charts. Terminal cells, not string length, decide
 * whether a chart fits its pane: East Asian wide characters take two cells, combining marks
 * none, and ANSI SGR colour codes none.
 */
import { sanitizeLine } from '../util/sanitize.js';

const SGR = /\x1b\[[0-9;]*m/g;

// East Asian Wide and Fullwidth ranges (Unicode 15), plus the emoji blocks terminals draw wide.
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0],
  [0x23f3, 0x23f3], [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f],
  [0x2693, 0x2693], [0x26a1, 0x26a1], [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5],
  [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea], [0x26f2, 0x26f3], [0x26f5, 0x26f5],
  [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b], [0x2728, 0x2728],
  [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55],
  [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f],
  [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a], [0x1f200, 0x1f251], [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb], [0x1f900, 0x1f9ff], [0x1fa70, 0x1faff], [0x20000, 0x3fffd],
];

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = WIDE[mid];
    if (cp < start) hi = mid - 1;
    else if (cp > end) lo = mid + 1;
    else return true;
  }
  return false;
}

const ZERO_WIDTH = /[\p{M}\p{Cc}\p{Cf}]/u;

/** Cells one character occupies: 0, 1 or 2. */
export function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0;
  return isWide(ch.codePointAt(0) ?? 0) ? 2 : 1;
}

/** Terminal cells a string occupies, ignoring ANSI SGR colour codes. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text.replace(SGR, '')) width += charWidth(ch);
  return width;
}

/** Plain stand-ins, one cell each, for the typographic characters labels use. */
const ASCII_STANDINS: Record<string, string> = { '−': '-', '–': '-', '—': '-', '→': '>', '×': 'x', '·': '.', '…': '.', 'β': 'b', 'Δ': 'd', '≤': '<', '≥': '>', '±': '~', '‘': "'", '’': "'", '“': '"', '”': '"' };

/**
 * Make untrusted text (model and condition names come from users and datasets) safe for one
 * chart line; in ASCII mode typographic characters get plain stand-ins and anything else
 * outside printable ASCII becomes '?'.
 */
export function cleanLabel(text: string, ascii = false): string {
  const line = sanitizeLine(text);
  return ascii ? asciiText(line) : line;
}

/**
 * Printable ASCII in the same terminal cells: typographic characters get their stand-ins, any
 * other character a '?' per cell it took (none for a zero-width one). Escape sequences and line
 * breaks pass, so a whole rendered frame can go through it.
 */
export function asciiText(text: string): string {
  return text.replace(/[^\x00-\x7e]/gu, (ch) => ASCII_STANDINS[ch] ?? '?'.repeat(charWidth(ch)));
}

/** Cut plain text to at most `width` cells, ending with an ellipsis when something was cut. */
export function truncate(text: string, width: number, ascii = false): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const ellipsis = ascii ? '...' : '…';
  const room = width - displayWidth(ellipsis);
  if (room < 1) return takeCells(text, width);
  return takeCells(text, room) + ellipsis;
}

/** Cut plain text to at most `width` cells from the front, keeping its end ("…small/vanilla"): where names differ at the end. */
export function truncateStart(text: string, width: number, ascii = false): string {
  if (displayWidth(text) <= width) return text;
  const ellipsis = ascii ? '...' : '…';
  const room = width - displayWidth(ellipsis);
  if (room < 1) return takeLastCells(text, width);
  return ellipsis + takeLastCells(text, room);
}

/** Plain text in rows of at most `width` cells, broken at spaces where it can be (a longer word is cut). */
export function wrapWords(text: string, width: number): string[] {
  if (width <= 0) return [];
  const rows: string[] = [];
  let row = '';
  for (const word of text.split(' ')) {
    const joined = row ? `${row} ${word}` : word;
    if (displayWidth(joined) <= width) {
      row = joined;
      continue;
    }
    if (row) rows.push(row);
    let rest = word;
    while (displayWidth(rest) > width) {
      // A wide character in a one-cell row still takes the row: never an empty cut.
      const head = takeCells(rest, width) || [...rest][0];
      rows.push(head);
      rest = rest.slice(head.length);
    }
    row = rest;
  }
  if (row || rows.length === 0) rows.push(row);
  return rows;
}

/** Cut plain text to at most `width` cells in the middle, keeping both ends (a message and the path it ends with). */
export function truncateMiddle(text: string, width: number, ascii = false): string {
  if (displayWidth(text) <= width) return text;
  const ellipsis = ascii ? '...' : '…';
  const room = width - displayWidth(ellipsis);
  if (room < 2) return truncate(text, width, ascii);
  const head = takeCells(text, Math.ceil(room / 2));
  return head + ellipsis + takeLastCells(text, room - displayWidth(head));
}

/** The end of `text` that fits `width` cells. */
function takeLastCells(text: string, width: number): string {
  const reversed = (t: string) => [...t].reverse().join('');
  return reversed(takeCells(reversed(text), width));
}

function takeCells(text: string, width: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (used + w > width) break;
    out += ch;
    used += w;
  }
  return out;
}

export type Align = 'left' | 'right' | 'center';

/** Pad text with spaces to exactly `width` cells (text wider than that is returned as is). */
export function pad(text: string, width: number, align: Align = 'left'): string {
  const gap = width - displayWidth(text);
  if (gap <= 0) return text;
  if (align === 'right') return ' '.repeat(gap) + text;
  if (align === 'center') {
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + text + ' '.repeat(gap - left);
  }
  return text + ' '.repeat(gap);
}

const SI_SUFFIXES = ['', 'k', 'M', 'G', 'T', 'P'];

/**
 * A number in at most `digits` significant digits, with an SI suffix from a thousand up
 * (12345 → "12.3k") and an exponent below 1e-4 ("1.2e-5"); trailing zeros are dropped.
 */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  let magnitude = Number(Math.abs(value).toPrecision(digits));
  if (magnitude < 1e-4) return sign + stripZeros(magnitude.toExponential(digits - 1));
  let tier = 0;
  // Rounding can carry into the next tier (999.6 → 1.00k), so round again after each step.
  while (magnitude >= 1000 && tier < SI_SUFFIXES.length - 1) {
    magnitude = Number((magnitude / 1000).toPrecision(digits));
    tier++;
  }
  const text = magnitude >= 1000 ? magnitude.toFixed(0) : stripZeros(magnitude.toPrecision(digits));
  return sign + text + SI_SUFFIXES[tier];
}

function stripZeros(text: string): string {
  const [mantissa, exponent] = text.split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent}`;
}

/** "0.52 [0.48, 0.56]"; the bracket is left out when either bound is missing. */
export function formatInterval(
  value: number | null | undefined,
  lo?: number | null,
  hi?: number | null,
  digits = 3,
): string {
  const center = formatNumber(value, digits);
  if (lo === null || lo === undefined || hi === null || hi === undefined) return center;
  return `${center} [${formatNumber(lo, digits)}, ${formatNumber(hi, digits)}]`;
}

/**
 * Names without the start they all share, cut after a separator (- _ / . or a space):
 * "founders-small/vanilla", "founders-large/multi" → "small/vanilla", "large/multi". Fewer than
 * two distinct names, or a cut that would leave one empty, keep the names whole.
 */
export function dropSharedStart(names: readonly string[]): string[] {
  const distinct = [...new Set(names)];
  if (distinct.length < 2) return [...names];
  let shared = distinct[0];
  for (const name of distinct) while (!name.startsWith(shared)) shared = shared.slice(0, -1);
  const cut = Math.max(...['-', '_', '/', '.', ' '].map((sep) => shared.lastIndexOf(sep))) + 1;
  return cut > 0 && distinct.every((name) => name.length > cut) ? names.map((name) => name.slice(cut)) : [...names];
}
