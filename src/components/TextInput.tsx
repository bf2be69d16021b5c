import { Text } from 'ink';
import { useTheme } from '../ui/theme.js';

/**
 * Display of a single-line text field being edited. Keystrokes reach it through the root
 * input owner (see ui/input.ts), so this only draws the value and a cursor.
 */
export function TextInput({ value, placeholder = '' }: { value: string; placeholder?: string }) {
  const theme = useTheme();
  const cursor = theme.emphasis ? <Text inverse> </Text> : <Text>_</Text>;
  return (
    <Text>
      {value ? <Text color={theme.color.text}>{value}</Text> : <Text color={theme.color.muted}>{placeholder}</Text>}
      {cursor}
    </Text>
  );
}
