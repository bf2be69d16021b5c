import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { KeyBinding } from '../ui/key-match.js';
import { GLOBAL_KEYS, TEXT_KEYS } from '../ui/keymaps.js';
import { useTheme } from '../ui/theme.js';
import { KeyHints } from './KeyHints.js';

/** Title line, body, and the key bar for what the screen (or its open text field) accepts. */
export function ScreenFrame({ title, subtitle, bindings, editing = false, children }: { title: string; subtitle?: string; bindings: readonly KeyBinding[]; editing?: boolean; children: ReactNode }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color={theme.color.accent} bold={theme.emphasis}>{`baskets ${theme.glyph.sep} ${title}`}</Text>
        {subtitle ? <Text color={theme.color.muted}>{`  ${subtitle}`}</Text> : null}
      </Text>
      <Box flexDirection="column" marginY={1}>
        {children}
      </Box>
      <KeyHints bindings={editing ? TEXT_KEYS : bindings} pinned={editing ? [] : GLOBAL_KEYS} />
    </Box>
  );
}
