import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { CellDetail } from '../components/CellDetail.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { cellElapsedMs, cellEtaSeconds, failedItems, formatDuration, progressLine, runElapsedMs, runEta, type CellState, type NotebookState } from '../pipeline/notebook.js';
import { STEP_IDS } from '../domain/session.js';
import { useApp } from '../ui/context.js';
import { useStaleness } from '../ui/use-staleness.js';
import { useScreenKeys } from '../ui/input.js';
import { RUN_KEYS, type ActionOf } from '../ui/keymaps.js';
import { statusColor, truncate, useTheme } from '../ui/theme.js';
import { useTrainCurves } from '../ui/train-curves.js';
import { useNow, useRunEvents } from '../ui/use-run-events.js';
import { sanitizeLine } from '../util/sanitize.js';
import { displayWidth } from '../util/text-width.js';

const LOCK_POLL_MS = 1000;
/** Title, blank lines, key bar and a notice line around the cells. */
/** Title, the frame's two margins, the key bar and the notice row. */
const CHROME_ROWS = 5;

function useRunnerLock(dir: string) {
  const { readRunnerLock } = useApp().services;
  const [lock, setLock] = useState(() => readRunnerLock(dir));
  useEffect(() => {
    const timer = setInterval(() => setLock(readRunnerLock(dir)), LOCK_POLL_MS);
    return () => clearInterval(timer);
  }, [dir, readRunnerLock]);
  return lock;
}

function defaultSelection(notebook: NotebookState): number {
  const running = STEP_IDS.findIndex((s) => notebook.cells[s].status === 'running');
  if (running >= 0) return running;
  // A failed step is what one comes to read, before the steps never run.
  const failed = STEP_IDS.findIndex((s) => notebook.cells[s].status === 'failed');
  if (failed >= 0) return failed;
  const unfinished = STEP_IDS.findIndex((s) => notebook.cells[s].status !== 'done');
  return unfinished < 0 ? 0 : unfinished;
}

function CellLine({ cell, selected, now, width }: { cell: CellState; selected: boolean; now: number; width: number }) {
  const theme = useTheme();
  const elapsed = formatDuration(cellElapsedMs(cell, now)).padStart(7);
  const text = cell.error ? `${cell.summary ? cell.summary + ' ' + theme.glyph.sep + ' ' : ''}${cell.error}` : cell.summary;
  const head = `${selected ? theme.glyph.pointer : ' '} ${theme.glyph.status[cell.status]} ${cell.step.padEnd(11)}${elapsed}  `;
  return (
    <Text wrap="truncate-end">
      <Text color={selected ? theme.color.accent : statusColor(theme, cell.status)}>{head}</Text>
      <Text color={cell.error ? theme.color.error : undefined}>{truncate(theme, sanitizeLine(text), Math.max(0, width - displayWidth(head)))}</Text>
    </Text>
  );
}

/**
 * "elapsed 3m02s · ETA 4m10s" for the latest run, its ETA only while its runner lives; "4m10s+"
 * when a step still to come never finished before, so its time is not in the sum.
 */
function runTimes(notebook: NotebookState, now: number, running: boolean, sep: string): string {
  const elapsed = runElapsedMs(notebook, now);
  if (elapsed === null) return '';
  const eta = running ? runEta(notebook, now) : null;
  return `elapsed ${formatDuration(elapsed)}${eta ? ` ${sep} ETA ${formatDuration(eta.seconds * 1000)}${eta.atLeast ? '+' : ''}` : ''}`;
}

/**
 * The Run notebook: one cell per step, following the session's event log.
 *
 * Finished cells are not put in <Static>: Static output is written once above the live area
 * and can never be re-rendered, selected or reopened, and it would linger when the user moves
 * to another screen. Interactive cell navigation needs every cell redrawable, so instead the
 * layout is sized to the viewport: nine one-line cells, and the open cell's detail trimmed to
 * the rows left.
 */
export function Run({ session }: { session: string }) {
  const app = useApp();
  const theme = useTheme();
  const { store, startRun, requestCancel } = app.services;
  const dir = store.dir(session);
  const notebook = useRunEvents(dir);
  const curves = useTrainCurves(session, dir, notebook.cells.train);
  const lock = useRunnerLock(dir);
  const running = Boolean(lock?.alive);
  const stale = useStaleness(dir, `${running}:${STEP_IDS.map((s) => notebook.cells[s].status).join()}`);
  // With no live runner a "running" cell was interrupted: its clock stops at the last event.
  const now = useNow(running);
  const clock = running ? now : (notebook.lastT ?? now);
  // Until the user moves, the selection follows the work: the running cell, else the failed one, else the first unfinished one.
  const [chosen, setChosen] = useState<number | null>(null);
  const selected = chosen ?? defaultSelection(notebook);
  const setSelected = (i: number) => setChosen(i);
  const [open, setOpen] = useState(true);
  const step = STEP_IDS[selected];

  const start = (steps: (typeof STEP_IDS)[number][], retryErrors = false) => {
    if (running) return app.notify(`a run is in progress (pid ${lock?.pid}): wait for it or cancel it with c`, 'error');
    const what = retryErrors ? `retrying the failed items of ${steps[0]}` : `started ${steps.length === 1 ? steps[0] : `${steps[0]} and after`}`;
    startRun(store.root, session, { steps, retryErrors }).then(
      ({ pid }) => app.notify(`${what} (runner pid ${pid}); leaving the TUI does not stop it`),
      (err: Error) => app.notify(`could not start the run: ${err.message}`, 'error'),
    );
  };

  const onAction = (action: ActionOf<typeof RUN_KEYS>) => {
    switch (action) {
      case 'up':
        return setSelected(Math.max(0, selected - 1));
      case 'down':
        return setSelected(Math.min(STEP_IDS.length - 1, selected + 1));
      case 'open':
        return setOpen(!open);
      case 'run':
        return start([step]);
      case 'runFrom':
        return start(STEP_IDS.slice(selected));
      case 'retry': {
        const failed = failedItems(notebook.cells[step]);
        if (!failed) return app.notify(`${step} has no failed items to retry`, 'error');
        return start([step], true);
      }
      case 'cancel':
        if (!running) return app.notify('nothing is running', 'error');
        return app.confirm(`Cancel the run of ${session}? The current step stops cleanly; finished work is kept.`, () => {
          if (requestCancel(dir)) app.notify('cancel requested; the runner stops after the requests in flight');
          else app.notify('the runner had already ended');
        });
      case 'nextCurve':
      case 'prevCurve':
        return curves.step(action === 'nextCurve' ? 1 : -1);
      case 'results':
        return app.navigate({ screen: 'results', session });
      case 'edit':
        try {
          app.setDraft({ session: store.load(session), isNew: false });
          app.navigate({ screen: 'data' });
        } catch (err) {
          app.notify((err as Error).message, 'error');
        }
        return;
    }
  };
  useScreenKeys(RUN_KEYS, onAction);

  const width = app.size.columns - 2;
  const runner = running ? `runner pid ${lock?.pid} running` : 'no runner';
  const lastRun = notebook.runStatus === 'running' && !running ? 'interrupted' : notebook.runStatus;
  const runClock = runTimes(notebook, clock, running, theme.glyph.sep);
  const detailRows = Math.max(0, app.size.rows - CHROME_ROWS - STEP_IDS.length);
  // A cell the log leaves "running" with no live runner was interrupted (kill -9, a reboot).
  const shown = (cell: CellState): CellState => {
    // A finished cell whose output no longer matches the session says so, and what changed.
    if (cell.status === 'done' && stale[cell.step]) return { ...cell, summary: `${stale[cell.step]}${cell.summary ? ` ${theme.glyph.sep} ${cell.summary}` : ''}` };
    if (cell.status !== 'running') return cell;
    if (!running) return { ...cell, status: 'cancelled', elapsedMs: cellElapsedMs(cell, clock), summary: `interrupted: its runner stopped ${theme.glyph.sep} r reruns it, keeping finished work` };
    if (cell.summary) return cell;
    const eta = cellEtaSeconds(cell, clock);
    const line = progressLine(cell);
    return { ...cell, summary: eta === null || !line ? line : `${line} ${theme.glyph.sep} ETA ${formatDuration(eta * 1000)}` };
  };
  return (
    <ScreenFrame title={`Run ${session}`} subtitle={`${runner} ${theme.glyph.sep} last run ${lastRun}${runClock ? ` ${theme.glyph.sep} ${runClock}` : ''}`} bindings={RUN_KEYS}>
      <Box flexDirection="column">
        {STEP_IDS.map((id, i) => (
          <Box key={id} flexDirection="column">
            <CellLine cell={shown(notebook.cells[id])} selected={i === selected} now={clock} width={width} />
            {open && i === selected && detailRows > 2 ? (
              <CellDetail cell={shown(id === 'train' ? curves.cell : notebook.cells[id])} width={width - 4} height={detailRows} live={running} curve={id === 'train' ? curves.shown : undefined} />
            ) : null}
          </Box>
        ))}
      </Box>
    </ScreenFrame>
  );
}
