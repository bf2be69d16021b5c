import { Text } from 'ink';
import { useState, type ReactNode } from 'react';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { useApp } from '../ui/context.js';
import { useScreenKeys } from '../ui/input.js';
import { bindingLabel } from '../ui/keys.js';
import { HELP_KEYS, KEYMAP_SECTIONS, type ActionOf } from '../ui/keymaps.js';
import { useTheme } from '../ui/theme.js';

const KEY_WIDTH = 14;
/** Title, margins and key bar around the list. */
const CHROME_ROWS = 5;

/** Every key binding, generated from the same tables the input owner dispatches; scrolls when taller than the terminal. */
export function Help({ from }: { from?: string }) {
  const app = useApp();
  const theme = useTheme();
  const lines: ReactNode[] = [];
  const starts: Record<string, number> = {};
  for (const section of KEYMAP_SECTIONS) {
    if (section.screen) starts[section.screen] = lines.length;
    lines.push(
      <Text key={section.title} color={theme.color.accent} bold={theme.emphasis}>
        {section.title}
      </Text>,
    );
    for (const b of section.bindings) {
      lines.push(
        <Text key={`${section.title}-${b.action}`} wrap="truncate-end">
          <Text color={theme.color.accent}>{`  ${bindingLabel(b, theme.ascii).padEnd(KEY_WIDTH)}`}</Text>
          <Text>{b.help}</Text>
        </Text>,
      );
    }
  }
  const height = Math.max(1, app.size.rows - CHROME_ROWS);
  const maxOffset = Math.max(0, lines.length - height);
  const [offset, setOffset] = useState(() => Math.min(maxOffset, (from && starts[from]) || 0));
  const by = { up: -1, down: 1, pageUp: -height, pageDown: height };
  const onAction = (action: ActionOf<typeof HELP_KEYS>) => setOffset(Math.max(0, Math.min(maxOffset, offset + by[action])));
  useScreenKeys(HELP_KEYS, onAction);
  const first = Math.min(offset, maxOffset);
  const more = maxOffset > 0 ? `lines ${first + 1}-${first + height} of ${lines.length}` : undefined;
  return (
    <ScreenFrame title="Keys" subtitle={more} bindings={HELP_KEYS}>
      {lines.slice(first, first + height)}
    </ScreenFrame>
  );
}
