import { Text } from 'ink';
import { cleanLabel } from '../../charts/index.js';
import { filterStatus, type TextFilter } from '../../ui/filter.js';
import type { LoadedResults } from '../../ui/results/load.js';
import { paneInner } from '../../ui/results/layout.js';
import { paneView, type PaneModel, type PaneView } from '../../ui/results/model.js';
import { truncate, useTheme } from '../../ui/theme.js';
import { Pane } from '../Pane.js';
import { ChartText } from './ChartText.js';

/**
 * One results pane: its chart drawn into the pane's inner size with the theme's colour and
 * ASCII settings, its caveats under it, or, before the data exists, the step that produces it.
 */
export function ResultPane(props: { model: PaneModel; loaded: LoadedResults; view: number; width: number; height: number; focused: boolean; drawn?: PaneView; filter?: TextFilter }) {
  const { model, loaded, view, width, height, focused, filter } = props;
  const theme = useTheme();
  const inner = paneInner(width, height);
  // `drawn`: the zoomed pane, drawn by the screen, which scrolls it.
  const v = props.drawn ?? paneView(model, loaded, view, { width: inner.width, height: inner.height, color: theme.emphasis, ascii: theme.ascii }, false, filter?.query);
  const marker = focused ? `${theme.glyph.pointer} ` : '';
  // A filtered list says so in its title, with what the filter left (and a cursor while it is typed).
  const filtered = v.filtered && filter && (filter.query || filter.field) ? filterStatus(filter, v.filtered.shown, v.filtered.total, '_') : null;
  const label = [v.viewLabel, filtered].filter(Boolean).join(` ${theme.glyph.sep} `);
  const title = truncate(theme, cleanLabel(`${marker}${v.title}${label ? ` ${theme.glyph.sep} ${label}` : ''}`, theme.ascii), inner.width);
  return (
    <Pane title={title} width={width} focused={focused}>
      {v.ready ? <ChartText chart={v.body} /> : <Text color={theme.color.muted} wrap="wrap">{cleanLabel(v.body, theme.ascii)}</Text>}
      {v.notes.map((n, i) => (
        <Text key={i} color={theme.color.warn} wrap="truncate-end">
          {truncate(theme, cleanLabel(n, theme.ascii), inner.width)}
        </Text>
      ))}
    </Pane>
  );
}
