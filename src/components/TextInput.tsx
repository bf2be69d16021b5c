import { Text } from 'ink';
import { truncateStart } from '../charts/text.js';
import { useTheme } from '../ui/theme.js';

/**
 * Display of a single-line text field being edited. Keystrokes reach it through the root
 * input owner (see ui/input.ts), so this only draws the value and a cursor. Given a `width`,
 * a value too long for it shows its end, where the cursor is, after an ellipsis.
 */
export function TextInput({ value, placeholder = '', width }: { value: string; placeholder?: string; width?: number }) {
  const theme = useTheme();
  const cursor = theme.emphasis ? <Text inverse> </Text> : <Text>_</Text>;
  const shown = width === undefined ? value : truncateStart(value, Math.max(1, width - 1), theme.ascii);
  return (
    <Text>
      {value ? <Text color={theme.color.text}>{shown}</Text> : <Text color={theme.color.muted}>{placeholder}</Text>}
      {cursor}
    </Text>
  );
}
