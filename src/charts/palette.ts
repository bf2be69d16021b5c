/**
 * The semantic palette: charts name what a glyph means (a series, the axis, danger, muted
 * text) and this module decides the ANSI SGR code. With colour off nothing is emitted, so
 * every chart must stay legible from its glyphs alone. NO_COLOR is the caller's business.
 */

/** A series index (cycled through the series colours) or a semantic role. */
export type Tone = number | 'axis' | 'muted' | 'danger';

// Foreground colours that read on both dark and light terminals.
const SERIES_SGR = ['36', '33', '35', '32', '34', '31'];
const ROLE_SGR = { axis: '90', muted: '2', danger: '1;31' } as const;

function sgrOf(tone: Tone): string {
  return typeof tone === 'number' ? SERIES_SGR[tone % SERIES_SGR.length] : ROLE_SGR[tone];
}

/** Wrap text in the tone's colour when colour is on; plain text otherwise. */
export function paint(text: string, tone: Tone | undefined, color: boolean): string {
  if (!color || tone === undefined || text === '') return text;
  return `\x1b[${sgrOf(tone)}m${text}\x1b[0m`;
}

/** One terminal cell of a chart grid: a single glyph and what it means. */
export interface Cell {
  ch: string;
  tone?: Tone;
}

/** Join a row of cells, colouring runs of equal tone with one escape pair each. */
export function renderCells(cells: readonly Cell[], color: boolean): string {
  let out = '';
  let run = '';
  let runTone: Tone | undefined;
  for (const cell of cells) {
    if (cell.tone !== runTone) {
      out += paint(run, runTone, color);
      run = '';
      runTone = cell.tone;
    }
    run += cell.ch;
  }
  return out + paint(run, runTone, color);
}

/** A row of blank cells. */
export function blankCells(width: number): Cell[] {
  return Array.from({ length: Math.max(0, width) }, () => ({ ch: ' ' }));
}
