import { Box, Text } from 'ink';
import { truncate, useTheme } from '../ui/theme.js';
import { sanitizeLine } from '../util/sanitize.js';

/**
 * A plain column table that fits `width`: columns share the width in proportion to their
 * content, and every cell is sanitised and cut to one line (rows may come from datasets).
 */
export function Table({ columns, rows, width }: { columns: string[]; rows: string[][]; width: number }) {
  const theme = useTheme();
  const gap = 2;
  const natural = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => sanitizeLine(r[i] ?? '').length), 1));
  const available = Math.max(columns.length, width - gap * (columns.length - 1));
  const sum = natural.reduce((a, b) => a + b, 0);
  const widths = sum <= available ? natural : natural.map((n) => Math.max(3, Math.floor((n / sum) * available)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => truncate(theme, sanitizeLine(cell), widths[i]).padEnd(widths[i])).join(' '.repeat(gap)).trimEnd();
  return (
    <Box flexDirection="column">
      <Text color={theme.color.muted}>{line(columns)}</Text>
      {rows.map((r, i) => (
        <Text key={i} wrap="truncate-end">
          {line(r)}
        </Text>
      ))}
    </Box>
  );
}
