import { Box, Text } from 'ink';
import { ResultPane } from '../components/results/ResultPane.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import type { ExportFormat } from '../pipeline/export.js';
import { useApp } from '../ui/context.js';
import { FILTER_CLEAR_KEYS, useTextFilter } from '../ui/filter.js';
import { useScreenKeys } from '../ui/input.js';
import { useRemembered } from '../ui/remembered.js';
import type { ActionOf } from '../ui/keymaps.js';
import { exportStem, nextFormat, writeExport } from '../ui/results/export-file.js';
import { gridLayout, paneInner } from '../ui/results/layout.js';
import { clampView, isReady, paneMissing, scrolledPaneView } from '../ui/results/model.js';
import { RESULT_PANES } from '../ui/results/panes.js';
import { RESULTS_KEYS, RESULTS_ZOOM_KEYS } from '../ui/results/keymaps.js';
import { summaryRows } from '../ui/results/summary.js';
import { useResultSets } from '../ui/results/use-results.js';
import { useTheme } from '../ui/theme.js';

/** The panes `/` narrows, by title. */
const FILTERED_PANES = RESULT_PANES.filter((p) => p.filterRows).map((p) => p.title);
/** Title, its margins, the key bar and a notice line around the panes. */
const CHROME_ROWS = 5;
/** Headline rows above the panes: three on a tall terminal, fewer where rows are scarce. */
const summaryRowsFor = (rows: number) => (rows >= 30 ? 3 : rows >= 22 ? 2 : 1);

/**
 * A session's results as a grid of panes that reflows with the terminal (3, 2 or 1 columns)
 * and fills in while a run is still going. Tab moves focus, Enter zooms, e exports what the
 * focused pane shows.
 */
export function Results({ session }: { session: string }) {
  const app = useApp();
  const theme = useTheme();
  const dir = app.services.store.dir(session);
  const [loaded] = useResultSets([dir]);
  // Kept per session while the screen is closed: back from help or Compare, the panes are as they were.
  const key = (what: string) => `results:${session}:${what}`;
  const [focus, setFocus] = useRemembered(key('focus'), 0);
  const [zoomed, setZoomed] = useRemembered(key('zoomed'), false);
  const [views, setViews] = useRemembered<number[]>(key('views'), () => RESULT_PANES.map(() => 0));
  const [format, setFormat] = useRemembered<ExportFormat>(key('format'), 'csv');
  const [scroll, setScroll] = useRemembered(key('scroll'), 0);
  const filter = useTextFilter(() => setScroll(0));
  const model = RESULT_PANES[focus];
  const view = clampView(model, loaded, views[focus]);

  const onAction = (action: ActionOf<typeof RESULTS_KEYS> | ActionOf<typeof RESULTS_ZOOM_KEYS> | ActionOf<typeof FILTER_CLEAR_KEYS>) => {
    switch (action) {
      case 'filter':
        if (!model.filterRows) return app.notify(`/ filters the ${FILTERED_PANES.join(', ')} pane: Tab to it`, 'error');
        return filter.start();
      case 'clearFilter':
        return filter.clear();
      case 'next':
      case 'prev':
        setScroll(0);
        return setFocus((focus + (action === 'next' ? 1 : RESULT_PANES.length - 1)) % RESULT_PANES.length);
      case 'zoom':
        setScroll(0);
        return setZoomed(!zoomed);
      case 'unzoom':
        return setZoomed(false);
      case 'scrollDown':
      case 'scrollUp':
      case 'pageDown':
      case 'pageUp': {
        const page = zoomedView?.page ?? 1;
        const by = { scrollDown: 1, scrollUp: -1, pageDown: page, pageUp: -page }[action];
        return setScroll(Math.min(Math.max(0, (zoomedView?.offset ?? 0) + by), zoomedView?.maxOffset ?? 0));
      }
      case 'view':
        setScroll(0);
        return setViews(views.map((v, i) => (i === focus ? clampView(model, loaded, view + 1) : v)));
      case 'format':
        return setFormat(nextFormat(format));
      case 'compare':
        return app.navigate({ screen: 'compare', sessions: [session] });
      case 'export':
        if (!isReady(model, loaded)) return app.notify(`nothing to export yet: ${paneMissing(model, loaded)}`, 'error');
        try {
          const views = model.views(loaded);
          const path = writeExport(dir, { ...model.table(loaded, view), inputs: loaded.inputs, pane: exportStem(model.id, views.length > 1 ? views[view] : undefined) }, format);
          app.notify(`exported ${model.title} as ${format.toUpperCase()} to ${path}`);
        } catch (err) {
          app.notify(`export failed: ${(err as Error).message}`, 'error');
        }
        return;
    }
  };
  // Zoomed, what the pane shows (m) comes right after the way back: the key bar drops hints from its end.
  const paneKeys = zoomed
    ? [RESULTS_ZOOM_KEYS[0], ...RESULTS_KEYS.filter((b) => b.action === 'view'), ...RESULTS_ZOOM_KEYS.slice(1), ...RESULTS_KEYS.filter((b) => b.action !== 'view')]
    : RESULTS_KEYS;
  // A kept filter is cleared by Esc before Esc leaves the zoom or the screen.
  const bindings = filter.query ? [...FILTER_CLEAR_KEYS, ...paneKeys] : paneKeys;
  useScreenKeys(bindings, onAction, filter.field);

  const width = app.size.columns;
  const summary = summaryRows(loaded, width, summaryRowsFor(app.size.rows), theme.ascii);
  const height = Math.max(1, app.size.rows - CHROME_ROWS - summary.length);
  const layout = gridLayout(RESULT_PANES.length, width, height, focus);
  const inner = paneInner(width, height);
  const zoomedView = zoomed ? scrolledPaneView(model, loaded, view, { width: inner.width, height: inner.height, color: theme.emphasis, ascii: theme.ascii }, scroll, filter.query) : null;
  const ready = RESULT_PANES.filter((p) => isReady(p, loaded)).length;
  const scrolled = layout.hiddenAbove + layout.hiddenBelow > 0 && !zoomed ? ` ${theme.glyph.sep} Tab scrolls (${layout.hiddenAbove} ${layout.hiddenAbove === 1 ? 'row' : 'rows'} above, ${layout.hiddenBelow} below)` : '';
  const subtitle = `${ready}/${RESULT_PANES.length} panes have data ${theme.glyph.sep} export as ${format.toUpperCase()}${scrolled}`;

  const rows: number[][] = [];
  for (let i = 0; i < layout.visible.length; i += layout.columns) rows.push(layout.visible.slice(i, i + layout.columns));
  return (
    <ScreenFrame title={`Results of ${session}`} subtitle={subtitle} bindings={bindings} editing={filter.field !== null}>
      {summary.map((line, i) => (
        <Text key={i} color={theme.color.accent} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {zoomed ? (
        <Box height={height}>
          <ResultPane model={model} loaded={loaded} view={view} width={width} height={height} focused drawn={zoomedView ?? undefined} filter={filter} />
        </Box>
      ) : (
        rows.map((row) => (
          <Box key={row[0]} height={layout.paneHeight}>
            {row.map((i) => (
              <ResultPane key={RESULT_PANES[i].id} model={RESULT_PANES[i]} loaded={loaded} view={clampView(RESULT_PANES[i], loaded, views[i])} width={layout.paneWidth} height={layout.paneHeight} focused={i === focus} filter={filter} />
            ))}
          </Box>
        ))
      )}
    </ScreenFrame>
  );
}
