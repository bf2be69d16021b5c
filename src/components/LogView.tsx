import { Box, Text } from 'ink';
import type { LogLine } from '../pipeline/notebook.js';
import { useTheme } from '../ui/theme.js';
import { sanitizeLine } from '../util/sanitize.js';

/** The newest `height` log lines of a step (messages may quote model output: sanitised). */
export function LogView({ lines, height }: { lines: readonly LogLine[]; height: number }) {
  const theme = useTheme();
  const shown = lines.slice(Math.max(0, lines.length - height));
  const color = (level: LogLine['level']) => (level === 'error' ? theme.color.error : level === 'warn' ? theme.color.warn : theme.color.muted);
  return (
    <Box flexDirection="column">
      {shown.map((l, i) => (
        <Text key={i} color={color(l.level)} wrap="truncate-end">
          {`${l.level === 'info' ? ' ' : l.level === 'warn' ? '!' : 'x'} ${sanitizeLine(l.message)}`}
        </Text>
      ))}
    </Box>
  );
}
