import { Box, Text } from 'ink';
import type { FormRow } from '../ui/form.js';
import { truncate, useTheme, type Theme } from '../ui/theme.js';
import { windowAround } from '../ui/viewport.js';
import { sanitizeLine } from '../util/sanitize.js';
import { displayWidth, pad } from '../util/text-width.js';
import { TextInput } from './TextInput.js';

function rowValue(theme: Theme, row: FormRow): string {
  switch (row.kind) {
    case 'text':
      return row.value;
    case 'choice':
      return `${row.value} (${row.options.length} choices)`;
    case 'toggle':
      return theme.ascii ? (row.on ? '[x]' : '[ ]') : row.on ? '☑' : '☐';
    case 'item':
      return row.value;
  }
}

/**
 * Form rows with a pointer on the selected one; the selected text row shows its editor while
 * editing. Taller forms show the rows around the selection and say how many are hidden.
 */
export function FormView({ rows, selected, editing, width, height }: { rows: readonly FormRow[]; selected: number; editing: string | null; width: number; height: number }) {
  const theme = useTheme();
  const { start, end } = windowAround(rows.length, selected, rows.length > height ? height - 1 : height);
  const labelWidth = Math.min(30, Math.floor(width / 3), Math.max(...rows.map((r) => displayWidth(r.label)), 4) + 1);
  const tone = (row: FormRow) => (row.tone === 'ok' ? theme.color.ok : row.tone === 'warn' ? theme.color.warn : row.tone === 'error' ? theme.color.error : theme.color.muted);
  return (
    <Box flexDirection="column">
      {rows.slice(start, end).map((row, offset) => {
        const i = start + offset;
        const isSelected = i === selected;
        const pointer = isSelected ? theme.glyph.pointer : ' ';
        const dim = row.kind === 'toggle' && row.disabled;
        // Values and notes can name dataset columns or model output: sanitised like every untrusted string.
        // A warning or error note keeps its room: a long value gives way (down to a few characters).
        const room = Math.max(8, width - labelWidth - 4);
        const urgent = row.note && (row.tone === 'warn' || row.tone === 'error');
        const valueRoom = urgent ? Math.max(Math.min(16, room), room - displayWidth(row.note!) - 2) : room;
        const value = truncate(theme, sanitizeLine(rowValue(theme, row)), valueRoom);
        return (
          <Text key={row.id} wrap="truncate-end">
            <Text color={theme.color.accent}>{`${pointer} `}</Text>
            <Text color={dim ? theme.color.muted : isSelected ? theme.color.accent : theme.color.text}>{pad(truncate(theme, row.label, labelWidth - 1), labelWidth)}</Text>
            {isSelected && editing !== null ? <TextInput value={editing} width={valueRoom} /> : <Text color={dim ? theme.color.muted : undefined}>{value}</Text>}
            {row.note ? <Text color={tone(row)}>{`  ${sanitizeLine(row.note)}`}</Text> : null}
          </Text>
        );
      })}
      {end - start < rows.length ? <Text color={theme.color.muted}>{`  rows ${start + 1}-${end} of ${rows.length}`}</Text> : null}
    </Box>
  );
}
