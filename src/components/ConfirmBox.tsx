import { Box, Text } from 'ink';
import { CONFIRM_KEYS } from '../ui/keymaps.js';
import { useTheme } from '../ui/theme.js';
import { KeyHints } from './KeyHints.js';

/** The question asked before anything destructive (delete, cancel a run). */
export function ConfirmBox({ message }: { message: string }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle={theme.glyph.border} borderColor={theme.color.warn} paddingX={1}>
      <Text color={theme.color.warn}>{message}</Text>
      <KeyHints bindings={CONFIRM_KEYS} />
    </Box>
  );
}
