import { Text } from 'ink';
import { useTheme, type Theme } from '../ui/theme.js';

export function progressBar(theme: Theme, done: number, total: number, width: number): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(fraction * width);
  return theme.glyph.barFull.repeat(full) + theme.glyph.barEmpty.repeat(Math.max(0, width - full));
}

/** A fixed-width bar with done/total after it. */
export function ProgressBar({ done, total, width }: { done: number; total: number; width: number }) {
  const theme = useTheme();
  const color = total > 0 && done >= total ? theme.color.ok : theme.color.running;
  return (
    <Text>
      <Text color={color}>{progressBar(theme, done, total, width)}</Text>
      <Text>{` ${done}/${total}`}</Text>
    </Text>
  );
}
