/**
 * Text formatting for charts: labels made safe, numbers in a few digits, names shortened.
 * Widths, pads and cuts are terminal cells as Ink lays them out (util/text-width.ts).
 */
import { sanitizeLine } from '../util/sanitize.js';
import { displayWidth, graphemes, takeCells } from '../util/text-width.js';

export { displayWidth, pad, truncate, truncateMiddle, truncateStart, type Align } from '../util/text-width.js';

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
 * other character a '?' per cell it took (none for a zero-width one; a letter keeps itself and
 * loses its accents). Escape sequences and line breaks pass, so a whole rendered frame can go
 * through it.
 */
export function asciiText(text: string): string {
  return PRINTABLE_ASCII.test(text) ? text : graphemes(text).map(asciiCluster).join('');
}

const PRINTABLE_ASCII = /^[\x00-\x7e]*$/;

function asciiCluster(cluster: string): string {
  if (PRINTABLE_ASCII.test(cluster)) return cluster;
  const standin = ASCII_STANDINS[cluster];
  if (standin !== undefined) return standin;
  const width = displayWidth(cluster);
  const kept = cluster.replace(/[^\x00-\x7e]/gu, '');
  return displayWidth(kept) === width ? kept : '?'.repeat(width);
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
      const head = takeCells(rest, width) || graphemes(rest)[0];
      rows.push(head);
      rest = rest.slice(head.length);
    }
    row = rest;
  }
  if (row || rows.length === 0) rows.push(row);
  return rows;
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
