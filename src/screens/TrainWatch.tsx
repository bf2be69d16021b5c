import { Text } from 'ink';
import { CellDetail } from '../components/CellDetail.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { atLastStep } from '../domain/events.js';
import { useApp } from '../ui/context.js';
import { useTheme } from '../ui/theme.js';
import { useTrainingWatch } from '../ui/use-run-events.js';
import { sanitizeLine } from '../util/sanitize.js';

/** Title, the target line, margins and key bar around the training detail. */
const CHROME_ROWS = 6;

/**
 * `baskets attach --train` in a terminal: a training run started outside baskets (HF Trainer,
 * axolotl, LLaMA-Factory, TRL), shown as the Run notebook shows a train step — its training
 * line, the live loss chart with eval loss, and a follow error if the output goes away.
 * Quitting only stops following: the run is not baskets' to stop.
 */
export function TrainWatch({ target }: { target: string }) {
  const app = useApp();
  const theme = useTheme();
  const cell = useTrainingWatch(target).cells.train;
  const series = Object.values(cell.training)[0];
  const last = series?.last;
  const finished = last !== undefined && atLastStep(last);
  const state = cell.logs.some((l) => l.level === 'error') ? 'stopped following' : finished ? 'finished' : last ? 'following' : 'waiting for the first logged step';
  const width = app.size.columns;
  return (
    <ScreenFrame title="Training run" subtitle={state} bindings={[]}>
      <Text color={theme.color.muted} wrap="truncate-end">
        {`started outside baskets: q stops following, the run keeps going · ${sanitizeLine(target)}`}
      </Text>
      <CellDetail cell={{ ...cell, status: finished ? 'done' : 'running' }} width={width - 4} height={Math.max(1, app.size.rows - CHROME_ROWS)} />
    </ScreenFrame>
  );
}
