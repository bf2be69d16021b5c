import { Box, Text } from 'ink';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { useApp } from '../ui/context.js';
import { bindingLabel } from '../ui/keys.js';
import { KEYMAP_SECTIONS } from '../ui/keymaps.js';
import { useTheme } from '../ui/theme.js';

const SECTION_WIDTH = 46;
const KEY_WIDTH = 14;

/** Every key binding, generated from the same tables the input owner dispatches. */
export function Help() {
  const app = useApp();
  const theme = useTheme();
  // Sections flow side by side so the whole table fits a normal terminal.
  const width = Math.min(SECTION_WIDTH, app.size.columns - 2);
  return (
    <ScreenFrame title="Keys" subtitle="q or Esc to go back" bindings={[]}>
      <Box flexDirection="row" flexWrap="wrap">
        {KEYMAP_SECTIONS.map((section) => (
          <Box key={section.title} flexDirection="column" width={width} marginBottom={1}>
            <Text color={theme.color.accent} bold={theme.emphasis}>
              {section.title}
            </Text>
            {section.bindings.map((b) => (
              <Text key={b.action} wrap="truncate-end">
                <Text color={theme.color.accent}>{bindingLabel(b, theme.ascii).padEnd(KEY_WIDTH)}</Text>
                <Text>{b.help}</Text>
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </ScreenFrame>
  );
}
