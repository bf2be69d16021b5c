import { Text } from 'ink';
import { displayWidth } from '../charts/index.js';
import { useApp } from '../ui/context.js';
import { bindingLabel, type KeyBinding } from '../ui/key-match.js';
import { useTheme } from '../ui/theme.js';

/**
 * The one-line key bar, generated from the same bindings the input owner dispatches. When it
 * is wider than the terminal, the screen's own hints give way from the end and `pinned` (the
 * global "? help", "q back") stays, so help is always one key away.
 */
export function KeyHints({ bindings, pinned = [] }: { bindings: readonly KeyBinding[]; pinned?: readonly KeyBinding[] }) {
  const theme = useTheme();
  const { columns } = useApp().size;
  const sep = ` ${theme.glyph.sep} `;
  const text = (b: KeyBinding) => `${bindingLabel(b, theme.ascii)} ${b.hint}`;
  const own = bindings.filter((b) => b.hint);
  const kept = pinned.filter((b) => b.hint);
  const width = (bs: readonly KeyBinding[]) => displayWidth(bs.map(text).join(sep));
  let shown = own;
  while (shown.length && width([...shown, ...kept]) > columns) shown = shown.slice(0, -1);
  const hints = [...shown, ...kept];
  return (
    <Text wrap="truncate-end">
      {hints.map((b, i) => (
        <Text key={b.action}>
          {i > 0 ? <Text color={theme.color.muted}>{sep}</Text> : null}
          <Text color={theme.color.accent}>{bindingLabel(b, theme.ascii)}</Text>
          <Text color={theme.color.muted}>{` ${b.hint}`}</Text>
        </Text>
      ))}
    </Text>
  );
}
