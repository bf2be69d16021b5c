import { FILTER_KEYS } from '../filter.js';
import { key, type KeyBinding } from '../key-match.js';

/** The keys of the Results and Compare screens, as data for the input owner, the hint bar and help. */

export const RESULTS_KEYS = [
  { action: 'next', keys: [key.special('tab')], help: 'focus the next pane', hint: 'pane' },
  { action: 'prev', keys: [key.special('tab', { shift: true })], help: 'focus the previous pane' },
  { action: 'zoom', keys: [key.special('return')], help: 'zoom the focused pane to the full screen', hint: 'zoom' },
  { action: 'view', keys: [key.char('m'), key.special('space')], help: "cycle the focused pane's metric or view (Heaps: which condition is highlighted)", hint: 'metric' },
  { action: 'export', keys: [key.char('e')], help: 'export what the focused pane shows to sessions/<s>/exports/', hint: 'export' },
  { action: 'format', keys: [key.char('f')], help: 'cycle the export format: CSV, JSON, Markdown', hint: 'format' },
  { action: 'compare', keys: [key.char('c')], help: 'compare this session with others', hint: 'compare' },
  ...FILTER_KEYS.map((b) => ({ ...b, help: 'filter the Numbers pane by text: Enter keeps the filter, Esc clears it' })),
] as const satisfies readonly KeyBinding[];

/** Added in front of RESULTS_KEYS while a pane is zoomed, so Esc and q leave the zoom before the screen. */
export const RESULTS_ZOOM_KEYS = [
  { action: 'unzoom', keys: [key.special('escape'), key.char('q')], help: 'back from the zoomed pane to the grid', hint: 'grid' },
  { action: 'scrollDown', keys: [key.special('down'), key.char('j')], help: 'scroll the zoomed list down a row', hint: 'scroll' },
  { action: 'scrollUp', keys: [key.special('up'), key.char('k')], help: 'scroll the zoomed list up a row' },
  { action: 'pageDown', keys: [key.special('pageDown')], help: 'scroll the zoomed list down a page' },
  { action: 'pageUp', keys: [key.special('pageUp')], help: 'scroll the zoomed list up a page' },
] as const satisfies readonly KeyBinding[];

// The key bar drops hints from the end on narrow terminals: moving with the arrows goes last.
export const COMPARE_KEYS = [
  { action: 'toggle', keys: [key.special('space'), key.special('return')], help: 'add the session to the comparison, or take it out (the first added is the reference)', hint: 'add/remove' },
  { action: 'metric', keys: [key.char('m'), key.special('tab')], help: 'next metric', hint: 'metric' },
  { action: 'prevMetric', keys: [key.char('M'), key.special('tab', { shift: true })], help: 'previous metric' },
  { action: 'export', keys: [key.char('e')], help: 'export the comparison to the exports folder of the first session', hint: 'export' },
  { action: 'format', keys: [key.char('f')], help: 'cycle the export format: CSV, JSON, Markdown', hint: 'format' },
  { action: 'up', keys: [key.special('up'), key.char('k')], help: 'move in the sessions list', hint: 'move' },
  { action: 'down', keys: [key.special('down'), key.char('j')], help: 'move down in the sessions list' },
] as const satisfies readonly KeyBinding[];
