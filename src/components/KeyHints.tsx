import { Text } from 'ink';
import { bindingLabel, type KeyBinding } from '../ui/keys.js';
import { useTheme } from '../ui/theme.js';

/** The one-line key bar, generated from the same bindings the input owner dispatches. */
export function KeyHints({ bindings }: { bindings: readonly KeyBinding[] }) {
  const theme = useTheme();
  const hints = bindings.filter((b) => b.hint);
  return (
    <Text wrap="truncate-end">
      {hints.map((b, i) => (
        <Text key={b.action}>
          {i > 0 ? <Text color={theme.color.muted}>{` ${theme.glyph.sep} `}</Text> : null}
          <Text color={theme.color.accent}>{bindingLabel(b, theme.ascii)}</Text>
          <Text color={theme.color.muted}>{` ${b.hint}`}</Text>
        </Text>
      ))}
    </Text>
  );
}
