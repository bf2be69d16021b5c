import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useTheme } from '../ui/theme.js';

/** A bordered box with a title; the border is plain ASCII under --ascii. */
export function Pane({ title, children, width, focused = false }: { title: string; children: ReactNode; width?: number; focused?: boolean }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle={theme.glyph.border} borderColor={focused ? theme.color.accent : theme.color.border} width={width} paddingX={1}>
      <Text color={theme.color.accent} bold={theme.emphasis}>
        {title}
      </Text>
      {children}
    </Box>
  );
}
