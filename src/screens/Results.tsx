import { Box, Text } from 'ink';
import { existsSync } from 'node:fs';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { sessionPaths } from '../pipeline/paths.js';
import type { StepId } from '../pipeline/session.js';
import { useApp } from '../ui/context.js';
import { useTheme } from '../ui/theme.js';

/** The evaluation steps whose results the Results and Compare screens will chart. */
const PRODUCERS: { step: StepId; result: string; shows: string }[] = [
  { step: 'perplexity', result: 'perplexity', shows: 'perplexity on the human test responses, bits per byte' },
  { step: 'diversity', result: 'diversity', shows: 'Self-BLEU, distinct-n, MATTR, MTLD, semantic diversity, Heaps curve' },
  { step: 'safety', result: 'safety', shows: 'quality/harm ratings, danger zone, refusal rate' },
  { step: 'preference', result: 'preference', shows: 'self-preference (SPB) and pro-synthetic bias (PSB)' },
];

/**
 * Results charts arrive in a later version. Until then this route says which step produces
 * each result and whether the session has it yet.
 */
export function Results({ session }: { session: string }) {
  const app = useApp();
  const theme = useTheme();
  const paths = sessionPaths(app.services.store.dir(session));
  return (
    <ScreenFrame title={`Results of ${session}`} subtitle="charts come in a later version" bindings={[]}>
      <Box flexDirection="column">
        {PRODUCERS.map((p) => {
          const ready = existsSync(paths.result(p.result));
          return (
            <Text key={p.step} wrap="truncate-end">
              <Text color={ready ? theme.color.ok : theme.color.muted}>{ready ? theme.glyph.status.done : theme.glyph.status.pending}</Text>
              <Text>{` ${p.step} step ${theme.glyph.sep} ${p.shows}`}</Text>
              <Text color={theme.color.muted}>{ready ? `  ${paths.result(p.result)}` : '  run the step to produce it'}</Text>
            </Text>
          );
        })}
      </Box>
    </ScreenFrame>
  );
}
