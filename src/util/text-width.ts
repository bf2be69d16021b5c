/**
 * The one measure of terminal text: cells as Ink lays them out. Ink measures, wraps and places
 * text with string-width over grapheme clusters, so every width, pad and cut here does the same;
 * a separate table would put a CJK column or an emoji sequence somewhere Ink does not.
 * Cuts are made between grapheme clusters, so a wide character, an emoji ZWJ sequence or a
 * letter with its combining marks is kept whole or left out, never split.
 */
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Terminal cells a string occupies (ANSI escape codes take none). */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** The user-perceived characters of `text`, each kept whole. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** The start of plain `text` that fits `width` cells. */
export function takeCells(text: string, width: number): string {
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width) break;
    out += segment;
    used += w;
  }
  return out;
}

/** The end of plain `text` that fits `width` cells. */
export function takeLastCells(text: string, width: number): string {
  const clusters = graphemes(text);
  let used = 0;
  let start = clusters.length;
  while (start > 0) {
    const w = stringWidth(clusters[start - 1]);
    if (used + w > width) break;
    used += w;
    start--;
  }
  return clusters.slice(start).join('');
}

const ellipsisFor = (ascii: boolean) => (ascii ? '...' : '…');

/** Cut plain text to at most `width` cells, ending with an ellipsis ("..." in ASCII) when something was cut. */
export function truncate(text: string, width: number, ascii = false): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  const ellipsis = ellipsisFor(ascii);
  const room = width - stringWidth(ellipsis);
  if (room < 1) return takeCells(text, width);
  return takeCells(text, room) + ellipsis;
}

/** Cut plain text to at most `width` cells from the front, keeping its end ("…small/vanilla"): where names differ at the end. */
export function truncateStart(text: string, width: number, ascii = false): string {
  if (stringWidth(text) <= width) return text;
  const ellipsis = ellipsisFor(ascii);
  const room = width - stringWidth(ellipsis);
  if (room < 1) return takeLastCells(text, width);
  return ellipsis + takeLastCells(text, room);
}

/** Cut plain text to at most `width` cells in the middle, keeping both ends (a message and the path it ends with). */
export function truncateMiddle(text: string, width: number, ascii = false): string {
  if (stringWidth(text) <= width) return text;
  const ellipsis = ellipsisFor(ascii);
  const room = width - stringWidth(ellipsis);
  if (room < 2) return truncate(text, width, ascii);
  const head = takeCells(text, Math.ceil(room / 2));
  return head + ellipsis + takeLastCells(text, room - stringWidth(head));
}

export type Align = 'left' | 'right' | 'center';

/** Pad text with spaces to exactly `width` cells (text wider than that is returned as is). */
export function pad(text: string, width: number, align: Align = 'left'): string {
  const gap = width - stringWidth(text);
  if (gap <= 0) return text;
  if (align === 'right') return ' '.repeat(gap) + text;
  if (align === 'center') {
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + text + ' '.repeat(gap - left);
  }
  return text + ' '.repeat(gap);
}
