import { Box, Text } from 'ink';
import { useTheme } from '../ui/theme.js';

/** Replaces the layout when the terminal is too small for it to be drawn without breaking. */
export function WidenBox({ columns, rows, minColumns, minRows }: { columns: number; rows: number; minColumns: number; minRows: number }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle={theme.glyph.border} borderColor={theme.color.warn} paddingX={1} width={Math.max(20, Math.min(columns, 50))}>
      <Text color={theme.color.warn}>Widen the terminal</Text>
      <Text>{`baskets needs at least ${minColumns}x${minRows};`}</Text>
      <Text>{`this one is ${columns}x${rows}.`}</Text>
      <Text color={theme.color.muted}>Ctrl-C quits; runs keep going.</Text>
    </Box>
  );
}
