import { createContext, useContext } from 'react';
import type { CellStatus } from '../pipeline/notebook.js';
import { truncate as truncateCells } from '../util/text-width.js';

/**
 * Semantic colour tokens and glyphs. Components ask for "ok" or "muted", never for "green",
 * so the light, dark and monochrome themes stay consistent. The mono theme (NO_COLOR) leaves
 * every token undefined: no colour escape reaches the terminal, and state is carried by glyphs.
 * `ascii` swaps every glyph and border for plain characters, for terminals and logs that
 * mangle box drawing.
 */

export type ThemeSetting = 'auto' | 'dark' | 'light' | 'mono';

export interface Palette {
  text?: string;
  muted?: string;
  accent?: string;
  ok?: string;
  warn?: string;
  error?: string;
  running?: string;
  border?: string;
}

export interface Glyphs {
  border: 'round' | 'classic';
  pointer: string;
  barFull: string;
  barEmpty: string;
  ellipsis: string;
  sep: string;
  status: Record<CellStatus, string>;
}

export interface Theme {
  name: 'dark' | 'light' | 'mono';
  color: Palette;
  glyph: Glyphs;
  ascii: boolean;
  /** Whether emphasis (bold / inverse) may be used: not in mono, which emits no escapes. */
  emphasis: boolean;
}

const PALETTES: Record<'dark' | 'light', Palette> = {
  dark: { text: 'white', muted: 'gray', accent: 'cyan', ok: 'green', warn: 'yellow', error: 'red', running: 'blue', border: 'gray' },
  light: { text: 'black', muted: 'gray', accent: 'blue', ok: 'green', warn: 'magenta', error: 'red', running: 'blue', border: 'gray' },
};

const UNICODE: Glyphs = {
  border: 'round',
  pointer: '❯',
  barFull: '█',
  barEmpty: '░',
  ellipsis: '…',
  sep: '·',
  status: { pending: '○', running: '●', done: '✓', failed: '✗', cancelled: '⊘', skipped: '↷' },
};

const ASCII: Glyphs = {
  border: 'classic',
  pointer: '>',
  barFull: '#',
  barEmpty: '.',
  ellipsis: '...',
  sep: '|',
  status: { pending: '-', running: '*', done: '+', failed: 'x', cancelled: '!', skipped: '~' },
};

export function resolveTheme(opts: { setting: ThemeSetting; noColor: boolean; ascii: boolean }): Theme {
  const name = opts.noColor || opts.setting === 'mono' ? 'mono' : opts.setting === 'light' ? 'light' : 'dark';
  return {
    name,
    color: name === 'mono' ? {} : PALETTES[name],
    glyph: opts.ascii ? ASCII : UNICODE,
    ascii: opts.ascii,
    emphasis: name !== 'mono',
  };
}

/** NO_COLOR (https://no-color.org): present and non-empty disables colour. */
export function noColorRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof env.NO_COLOR === 'string' && env.NO_COLOR !== '';
}

export const ThemeContext = createContext<Theme>(resolveTheme({ setting: 'dark', noColor: false, ascii: false }));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

export function statusColor(theme: Theme, status: CellStatus): string | undefined {
  switch (status) {
    case 'done':
      return theme.color.ok;
    case 'failed':
      return theme.color.error;
    case 'cancelled':
      return theme.color.warn;
    case 'running':
      return theme.color.running;
    case 'pending':
    case 'skipped':
      return theme.color.muted;
  }
}

/** Cut a single-line string to `width` terminal cells with the theme's ellipsis. */
export function truncate(theme: Theme, text: string, width: number): string {
  return truncateCells(text, width, theme.ascii);
}
