import { Box, Text } from 'ink';
import { truncate, useTheme } from '../ui/theme.js';
import { sanitizeLine } from '../util/sanitize.js';
import { displayWidth, pad } from '../util/text-width.js';

/**
 * A plain column table that fits `width`: only the widest columns give up space, and every
 * cell is sanitised and cut to one line (rows may come from datasets). Widths are terminal
 * cells, so a row of CJK or emoji keeps its columns where the other rows have them.
 */
export function Table({ columns, rows, width }: { columns: string[]; rows: string[][]; width: number }) {
  const theme = useTheme();
  const gap = 2;
  const natural = columns.map((c, i) => Math.max(displayWidth(c), ...rows.map((r) => displayWidth(sanitizeLine(r[i] ?? ''))), 1));
  const available = Math.max(columns.length, width - gap * (columns.length - 1));
  const widths = fitWidths(natural, available);
  const line = (cells: string[]) =>
    cells.map((cell, i) => pad(truncate(theme, sanitizeLine(cell), widths[i]), widths[i])).join(' '.repeat(gap)).trimEnd();
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

/**
 * Column widths within `available`: short columns keep their natural width and the widest are
 * capped at one common width (water-filling), so a long description never squeezes "status".
 */
export function fitWidths(natural: number[], available: number): number[] {
  if (natural.reduce((a, b) => a + b, 0) <= available) return natural;
  const sorted = [...natural].sort((a, b) => a - b);
  let left = available;
  let cap = 3;
  for (let i = 0; i < sorted.length; i++) {
    const share = Math.floor(left / (sorted.length - i));
    if (sorted[i] > share) {
      cap = Math.max(3, share);
      break;
    }
    left -= sorted[i];
  }
  return natural.map((n) => Math.min(n, cap));
}
