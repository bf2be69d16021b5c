import { truncate, wrapWords, type ChartOptions } from '../../charts/index.js';
import type { ExportTable } from '../../pipeline/export.js';
import { RESULT_PRODUCER, type ResultFiles, type ResultName } from '../../pipeline/results.js';
import { missingReason, type LoadedResults } from './load.js';

/**
 * A results pane as pure data: which result files it needs, the views it can cycle through,
 * how it draws a view into a given size, and the table an export of that view writes.
 */
export interface PaneModel {
  /** Also the export file stem. */
  id: string;
  title: string;
  /** The pane is drawn when any of these exists; otherwise it names the first one's producer. */
  needs: readonly ResultName[];
  /** Labels of the views the pane cycles through (at least one). */
  views(loaded: LoadedResults): string[];
  /** `query`: what a filterable pane's rows are narrowed to (see `filterRows`). */
  draw(loaded: LoadedResults, view: number, opts: ChartOptions, query?: string): string;
  /** A list that `/` narrows by text: how many of its rows match the query. */
  filterRows?(loaded: LoadedResults, query: string): { shown: number; total: number };
  table(loaded: LoadedResults, view: number): ExportTable;
  /** Caveats shown under the chart and written into exports. */
  notes(loaded: LoadedResults): string[];
  /**
   * A list of rows (bars, numbers) that, drawn taller, shows more of them: zoomed, it scrolls,
   * keeping its first `head` lines (a table's header) and last `foot` lines (a chart's axis) in view.
   */
  scrolls?: { head: number; foot: number };
}

/** A result file a pane's draw or table relies on (the pane is only drawn when it exists). */
export function need<N extends ResultName>(loaded: LoadedResults, name: N): ResultFiles[N] {
  const file = loaded.files[name];
  if (!file) throw new Error(missingReason(loaded, name));
  return file as ResultFiles[N];
}

export function isReady(model: PaneModel, loaded: LoadedResults): boolean {
  return model.needs.some((n) => loaded.files[n] !== undefined);
}

/** Why a pane has nothing to draw: a broken result file, or the step(s) that produce its data. */
export function paneMissing(model: PaneModel, loaded: LoadedResults): string {
  const broken = model.needs.flatMap((n) => loaded.errors[n] ?? []);
  if (broken.length) return broken[0];
  if (model.needs.length === 1) return missingReason(loaded, model.needs[0]);
  return `no results yet: run the ${model.needs.map((n) => RESULT_PRODUCER[n]).join(', ')} steps`;
}

/** What a pane shows at one size: its chart (or why it has none) and its notes. */
export interface PaneView {
  id: string;
  title: string;
  ready: boolean;
  /** "metric 2/9: distinct-2" when the pane has several views. */
  viewLabel: string | null;
  body: string;
  notes: string[];
  /** How many rows the filter (if any) leaves, in a pane that `/` narrows. */
  filtered: { shown: number; total: number } | null;
}

/** The pane's view index kept in range as results come and go. */
export function clampView(model: PaneModel, loaded: LoadedResults, view: number): number {
  if (!isReady(model, loaded)) return 0;
  const count = model.views(loaded).length;
  return ((view % count) + count) % count;
}

/** Tall enough for every row of any list pane. */
const FULL_HEIGHT = 100_000;

/** A zoomed pane: a scrolling list pane shows a window of its rows from `offset`, with where it is. */
export interface ScrolledPaneView extends PaneView {
  offset: number;
  /** The last offset that still fills the window (0 when everything fits). */
  maxOffset: number;
  /** How many rows scroll in the window: a page (the header, axis and hint stay). */
  page: number;
}

/**
 * The zoomed view of a pane. A list pane (`scrolls`) is drawn whole and a window of it shown
 * from `offset` (kept in range), with a line saying which rows those are; any other pane, or a
 * list that fits, is its plain view.
 */
export function scrolledPaneView(model: PaneModel, loaded: LoadedResults, view: number, opts: ChartOptions, offset: number, query = ''): ScrolledPaneView {
  // Zoomed, a note wraps: there is room to read it whole.
  const plain = (): ScrolledPaneView => ({ ...paneView(model, loaded, view, opts, true, query), offset: 0, maxOffset: 0, page: 1 });
  if (!model.scrolls || !isReady(model, loaded)) return plain();
  const head = paneHead(model, loaded, view, opts.height, opts.width, query);
  const all = model.draw(loaded, head.view, { ...opts, height: FULL_HEIGHT }, query).split('\n');
  if (all.length <= Math.max(1, opts.height - head.pane.notes.length)) return plain();
  const pinned = model.scrolls;
  const top = all.slice(0, pinned.head);
  const bottom = all.slice(all.length - pinned.foot);
  const lines = all.slice(pinned.head, all.length - pinned.foot);
  const rows = Math.max(1, opts.height - head.pane.notes.length - 1 - top.length - bottom.length);
  const maxOffset = Math.max(0, lines.length - rows);
  const at = Math.min(Math.max(0, offset), maxOffset);
  const where = `rows ${at + 1}-${Math.min(lines.length, at + rows)} of ${lines.length}: j/k or arrows scroll, PgUp/PgDn page`;
  return { ...head.pane, body: [...top, ...lines.slice(at, at + rows), ...bottom, where].join('\n'), offset: at, maxOffset, page: rows };
}

/**
 * A ready pane's view index, and all it shows but its chart: title, view label, the note rows
 * that fit `height` — a row per note, or with `wrapWidth` each note wrapped to rows that wide.
 */
function paneHead(model: PaneModel, loaded: LoadedResults, view: number, height: number, wrapWidth: number | undefined, query: string): { view: number; pane: Omit<PaneView, 'body'> } {
  const views = model.views(loaded);
  const v = clampView(model, loaded, view);
  // Notes go under the chart, at most a quarter of the pane (the first, most important, first).
  // Results that no longer match the session (switched off, or made before a change) are shown, and say so.
  const stale = model.needs.flatMap((n) => (loaded.files[n] && loaded.stale?.[n] ? [loaded.stale[n]] : []));
  const all = [...stale, ...model.notes(loaded)];
  const rows = wrapWidth === undefined ? all : all.flatMap((n) => wrapWords(n, wrapWidth));
  const room = Math.floor(height / 4);
  // Cut wrapped notes say so: the last row shown ends in an ellipsis.
  const notes = rows.length > room && wrapWidth !== undefined && room > 0 ? [...rows.slice(0, room - 1), truncate(`${rows[room - 1]} ${rows[room]}`, wrapWidth)] : rows.slice(0, room);
  const filtered = model.filterRows ? model.filterRows(loaded, query) : null;
  return { view: v, pane: { id: model.id, title: model.title, ready: true, viewLabel: views.length > 1 ? `${v + 1}/${views.length} ${views[v]}` : null, notes, filtered } };
}

export function paneView(model: PaneModel, loaded: LoadedResults, view: number, opts: ChartOptions, wrapNotes = false, query = ''): PaneView {
  if (!isReady(model, loaded)) {
    return { id: model.id, title: model.title, ready: false, viewLabel: null, body: paneMissing(model, loaded), notes: [], filtered: null };
  }
  const head = paneHead(model, loaded, view, opts.height, wrapNotes ? opts.width : undefined, query);
  return { ...head.pane, body: model.draw(loaded, head.view, { ...opts, height: Math.max(1, opts.height - head.pane.notes.length) }, query) };
}
