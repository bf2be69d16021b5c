import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { barColumns, cleanLabel } from '../charts/index.js';
import { ChartText } from '../components/results/ChartText.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import type { ExportFormat } from '../pipeline/export.js';
import { useApp } from '../ui/context.js';
import { useScreenKeys } from '../ui/input.js';
import { useRemembered } from '../ui/remembered.js';
import type { ActionOf } from '../ui/keymaps.js';
import { acrossSessions, COMPARE_METRICS, compareTable, drawCompareColumn, notPairedAcross, pairedRows, sharedDomain } from '../ui/results/compare.js';
import { exportStem, nextFormat, writeExport } from '../ui/results/export-file.js';
import { COMPARE_KEYS } from '../ui/results/keymaps.js';
import { useResultSets } from '../ui/results/use-results.js';
import { truncate, useTheme } from '../ui/theme.js';
import { windowAround } from '../ui/viewport.js';

/** Title, margins, key bar, notice, and the line under the sessions list. */
const CHROME_ROWS = 6;
const LIST_ROWS = 4;
const MIN_COLUMN_WIDTH = 30;

/**
 * Two or more sessions side by side, one metric at a time on one shared bar scale, with the
 * paired comparisons (and p-values) each session's results hold for that metric.
 */
export function Compare({ sessions: initial }: { sessions: string[] }) {
  const app = useApp();
  const theme = useTheme();
  const { store } = app.services;
  // Read once: listing reads every session's files, and the screen redraws on every key.
  const listed = useMemo(() => store.list(), [store]);
  const names = listed.map((s) => s.name);
  // A broken session file, not a missing step, is why such a session has nothing to compare.
  const invalid = new Set(listed.filter((s) => s.status === 'invalid').map((s) => s.name));
  const [chosen, setChosen] = useState<string[]>(() => initial.filter((s) => names.includes(s)));
  const [cursor, setCursor] = useState(() => Math.max(0, names.indexOf(initial[0] ?? '')));
  const [metricIndex, setMetricIndex] = useRemembered('compare:metric', 0);
  const [format, setFormat] = useRemembered<ExportFormat>('compare:format', 'csv');
  const metric = COMPARE_METRICS[metricIndex];
  const loaded = useResultSets(chosen.map((s) => store.dir(s)));
  const sessions = chosen.map((name, i) => ({ name, loaded: loaded[i] }));

  const onAction = (action: ActionOf<typeof COMPARE_KEYS>) => {
    switch (action) {
      case 'up':
        return setCursor(Math.max(0, cursor - 1));
      case 'down':
        return setCursor(Math.min(names.length - 1, cursor + 1));
      case 'toggle': {
        const name = names[cursor];
        if (name === undefined) return;
        return setChosen(chosen.includes(name) ? chosen.filter((s) => s !== name) : [...chosen, name]);
      }
      case 'metric':
      case 'prevMetric':
        return setMetricIndex((metricIndex + (action === 'metric' ? 1 : COMPARE_METRICS.length - 1)) % COMPARE_METRICS.length);
      case 'format':
        return setFormat(nextFormat(format));
      case 'export':
        if (!sessions.length) return app.notify('no sessions chosen: add one with Space', 'error');
        try {
          // Named for the sessions too: comparing the reference with another never overwrites this one.
          const stem = exportStem('compare', `${sessions.map((s) => s.name).join(' vs ')} ${metric.label}`);
          const path = writeExport(store.dir(sessions[0].name), { ...compareTable(metric, sessions), pane: stem }, format);
          app.notify(`exported the comparison as ${format.toUpperCase()} to ${path}`);
        } catch (err) {
          app.notify(`export failed: ${(err as Error).message}`, 'error');
        }
        return;
    }
  };
  useScreenKeys(COMPARE_KEYS, onAction);

  const width = app.size.columns;
  const listRows = Math.min(LIST_ROWS, Math.max(1, names.length));
  const { start, end } = windowAround(names.length, cursor, listRows);
  const fit = Math.max(1, Math.floor(width / MIN_COLUMN_WIDTH));
  const shown = sessions.slice(0, fit);
  const columnWidth = Math.floor(width / Math.max(1, shown.length));
  const height = Math.max(3, app.size.rows - CHROME_ROWS - listRows);
  const inner = columnWidth - 2;
  // Paired lines are wrapped here, row for row, rather than lose their interval and p; they take
  // at most half a column (at least one line). The first session is the reference: the others
  // say how they differ from it, then what they hold within.
  const columns = shown.map((s, i) => {
    const across = i > 0 ? acrossSessions(metric, sessions[0], s) : null;
    const within = metric.paired(s.loaded).map((p) => p.text);
    const stale = s.loaded.files[metric.result] ? s.loaded.stale?.[metric.result] : undefined;
    const texts = [
      // Out-of-date results come first: every number below them is read in that light.
      ...(stale ? [stale] : []),
      ...(across ? [across.summary, ...across.lines.map((l) => l.text)] : i > 0 && !metric.across ? [notPairedAcross(metric, sessions[0].name)] : []),
      // The first within-session test says where the tests come from; a header row of its own could be left alone at the foot.
      ...within.map((text, k) => (k === 0 ? `within ${s.name}: ${text}` : text)),
    ];
    const bars = s.loaded.files[metric.result] ? metric.bars(s.loaded) : [];
    return { s, bars, paired: pairedRows(texts.map((t) => cleanLabel(t, theme.ascii)), inner, Math.floor((height - 1) / 2)) };
  });
  // One scale and one set of label and value columns: equal numbers draw equal bars in every column.
  const rowSets = columns.map((c) => c.bars);
  const shared = { domain: sharedDomain(rowSets), columns: barColumns(rowSets, inner, { ascii: theme.ascii }) };
  // Every chart gets the same rows, so their bars line up row for row across the columns.
  const chartRows = Math.max(1, height - 1 - Math.max(0, ...columns.map((c) => c.paired.length)));
  const status =
    sessions.length < 2
      ? 'add a second session with Space to compare side by side'
      : sessions.length > shown.length
        ? `${sessions.length - shown.length} more sessions do not fit: widen the terminal or remove some`
        : `${sessions.length} sessions on one shared scale${metric.across ? `, each paired with ${sessions[0].name} on the items both measured` : `; ${metric.label} is not paired across sessions`}`;

  return (
    <ScreenFrame
      title="Compare"
      subtitle={`metric ${metricIndex + 1}/${COMPARE_METRICS.length}: ${metric.label} ${theme.glyph.sep} export as ${format.toUpperCase()}`}
      bindings={COMPARE_KEYS}
    >
      {names.slice(start, end).map((name, k) => {
        const i = start + k;
        const mark = chosen.includes(name) ? '[x]' : '[ ]';
        const role = chosen.length > 1 && chosen[0] === name ? (metric.across ? ' (reference: the others are paired with it)' : ' (reference)') : '';
        return (
          <Text key={name} color={i === cursor ? theme.color.accent : undefined} wrap="truncate-end">
            {truncate(theme, `${i === cursor ? theme.glyph.pointer : ' '} ${mark} ${cleanLabel(name, theme.ascii)}${role}${invalid.has(name) ? ' (invalid session file: fix it from the Sessions list)' : ''}`, width)}
          </Text>
        );
      })}
      <Text color={theme.color.muted} wrap="truncate-end">
        {truncate(theme, status, width)}
      </Text>
      <Box height={height}>
        {columns.map(({ s, bars, paired }) => {
          const column = drawCompareColumn(metric, s.loaded, bars, shared, { width: inner, height: chartRows, color: theme.emphasis, ascii: theme.ascii });
          return (
            <Box key={s.name} flexDirection="column" width={columnWidth} height={height} overflow="hidden" paddingRight={2}>
              <Text color={theme.color.accent} bold={theme.emphasis} wrap="truncate-end">
                {truncate(theme, cleanLabel(s.name, theme.ascii) + (s.loaded.files[metric.result] && s.loaded.stale?.[metric.result] ? ' (out of date)' : ''), inner)}
              </Text>
              {column.ready ? <ChartText chart={column.body} /> : <Text color={theme.color.muted} wrap="wrap">{cleanLabel(column.body, theme.ascii)}</Text>}
              {paired.map((row, k) => (
                <Text key={k} color={theme.color.muted} wrap="truncate-end">
                  {row}
                </Text>
              ))}
            </Box>
          );
        })}
      </Box>
    </ScreenFrame>
  );
}
