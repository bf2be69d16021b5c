import { Box, Text } from 'ink';
import type { ServerProbe } from '../engines/openai/index.js';
import { PROBE_HEAD, probeCells } from '../ui/probe-table.js';
import { ago } from '../ui/format.js';
import { modelLimits, type ProbeView } from '../ui/probe.js';
import { useTheme, type Theme } from '../ui/theme.js';
import { windowAround } from '../ui/viewport.js';
import { sanitizeLine } from '../util/sanitize.js';
import { Table } from './Table.js';

type Tone = 'muted' | 'running' | 'error' | 'ok' | 'warn';
interface Line {
  text: string;
  tone: Tone;
}

/** What the panel draws, laid out once so the screen knows its height before it renders. */
export interface ProbeLayout {
  status: Line;
  table: { rows: string[][]; more: string | null } | null;
  verdict: Line[];
  height: number;
}

/** The chosen model against the probe: what it cannot do, or that it is not on the server. */
function verdictOf(probe: ServerProbe, model: string): Line[] {
  if (!model) return [{ text: 'pick a model on the "served models" row', tone: 'muted' }];
  const name = sanitizeLine(model);
  const found = probe.models.find((m) => m.model === model);
  if (!found) return [{ text: `"${name}" is not among the server's models`, tone: 'warn' }];
  const limits = modelLimits(found);
  return limits.length ? limits.map((l) => ({ text: `${name} ${l}`, tone: 'warn' })) : [{ text: `${name} can serve every evaluation`, tone: 'ok' }];
}

/** Most probed models listed at once; the table shows a window around the chosen one. */
const MAX_TABLE_ROWS = 5;

/**
 * The probe of the base URL in at most `maxHeight` rows: status, then the model table (a
 * window around the chosen model) and what the chosen model cannot do, the table giving way
 * first and the table dropped when not even one model row fits. `keys` name the probe keys.
 */
export function layoutProbe(view: ProbeView, model: string, maxHeight: number, keys: { probe: string; reprobe: string }, theme: Theme, now = Date.now()): ProbeLayout {
  switch (view.state) {
    case 'idle':
      return { status: { text: `not probed yet: ${keys.probe} lists the server's models and what each can do`, tone: 'muted' }, table: null, verdict: [], height: 1 };
    case 'probing':
      return { status: { text: `probing the server${theme.glyph.ellipsis}`, tone: 'running' }, table: null, verdict: [], height: 1 };
    case 'failed':
      return { status: { text: view.error, tone: 'error' }, table: null, verdict: [], height: 1 };
    case 'ready': {
      const { probe, cached } = view;
      const count = probe.models.length;
      const when = ago(Date.parse(probe.probedAt), now);
      const status = {
        text: `${sanitizeLine(probe.baseUrl)} (${probe.server}): ${count} model${count === 1 ? '' : 's'}, probed ${when}${cached ? ` ${theme.glyph.sep} cached; ${keys.reprobe} probes again` : ''}`,
        tone: 'muted' as const,
      };
      if (count === 0) return { status, table: null, verdict: [{ text: 'the server lists no models', tone: 'warn' }], height: 2 };
      // Room for status, the table's head, one model row and the "models x-y of n" line.
      const verdict = verdictOf(probe, model).slice(0, Math.max(1, maxHeight - 4));
      const room = Math.min(MAX_TABLE_ROWS, maxHeight - 2 - verdict.length);
      if (room < 1) return { status, table: null, verdict, height: 1 + verdict.length };
      const chosen = probe.models.findIndex((m) => m.model === model);
      const { start, end } = windowAround(count, Math.max(0, chosen), count <= room ? count : room - 1);
      const more = end - start < count ? `models ${start + 1}-${end} of ${count}` : null;
      const table = { rows: probe.models.slice(start, end).map(probeCells), more };
      return { status, table, verdict, height: 2 + (end - start) + (more ? 1 : 0) + verdict.length };
    }
  }
}

export function ProbePanel({ layout, width }: { layout: ProbeLayout; width: number }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text color={theme.color[layout.status.tone]} wrap="truncate-end">
        {layout.status.text}
      </Text>
      {layout.table ? <Table columns={PROBE_HEAD} rows={layout.table.rows} width={width} /> : null}
      {layout.table?.more ? <Text color={theme.color.muted}>{layout.table.more}</Text> : null}
      {layout.verdict.map((line, i) => (
        <Text key={i} color={theme.color[line.tone]} wrap="truncate-end">
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
