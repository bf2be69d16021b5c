import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { Draft } from '../ui/context.js';
import { draftSummaries } from '../ui/draft.js';
import { truncate, useTheme } from '../ui/theme.js';
import { sanitizeLine } from '../util/sanitize.js';
import { Pane } from './Pane.js';

export const WIZARD_CELLS = ['data', 'models', 'conditions', 'evaluation'] as const;
/** Rows around a wizard cell's body: screen title, margins, key bar, notice, the pane's border and title, the three collapsed cells. */
export const WIZARD_CHROME_ROWS = 11;
export type WizardCell = (typeof WIZARD_CELLS)[number];

const TITLES: Record<WizardCell, string> = { data: 'Data', models: 'Models', conditions: 'Conditions', evaluation: 'Evaluation' };

/** The wizard as a notebook: the open cell in full, the others as one-line summaries. */
export function WizardCells({ draft, active, width, children }: { draft: Draft; active: WizardCell; width: number; children: ReactNode }) {
  const theme = useTheme();
  const summaries = draftSummaries(draft);
  return (
    <Box flexDirection="column">
      {WIZARD_CELLS.map((cell, i) =>
        cell === active ? (
          <Pane key={cell} title={`[${i + 1}] ${TITLES[cell]}`} width={width} focused>
            {children}
          </Pane>
        ) : (
          <Text key={cell} color={theme.color.muted} wrap="truncate-end">
            {truncate(theme, `  [${i + 1}] ${TITLES[cell]}: ${sanitizeLine(summaries[cell])}`, width)}
          </Text>
        ),
      )}
    </Box>
  );
}
