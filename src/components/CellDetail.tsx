import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { lossChart, sparkline, wrapWords } from '../charts/index.js';
import type { GpuSample, TrainMetrics } from '../domain/events.js';
import { formatDuration, stepLabel, taskEtaSeconds, type CellState, type LossSeries, type TaskProgress } from '../pipeline/notebook.js';
import { compact } from '../ui/format.js';
import { truncate, useTheme, type Theme } from '../ui/theme.js';
import { sanitizeLine } from '../util/sanitize.js';
import { displayWidth, pad } from '../util/text-width.js';
import { shownCurve } from '../ui/train-curves.js';
import { LogView } from './LogView.js';
import { progressBar } from './ProgressBar.js';

const MAX_CHART_ROWS = 10;
/** A task name column is at least this wide, so the bars of short names line up too. */
const MIN_LABEL = 18;
const MIN_CHART_ROWS = 4;

const lossParts = (m: TrainMetrics) => [m.loss !== undefined ? `loss ${m.loss.toFixed(3)}` : '', m.evalLoss !== undefined ? `eval ${m.evalLoss.toFixed(3)}` : ''].filter(Boolean);

/** A task's row; a training run's carries its latest losses, so several runs compare at a glance. */
function taskLine(theme: Theme, t: TaskProgress, width: number, live: boolean, labelWidth: number, training?: TrainMetrics): string {
  const barWidth = Math.max(8, Math.min(30, width - 70));
  const eta = taskEtaSeconds(t);
  const parts = [
    `${pad(truncate(theme, sanitizeLine(t.task), labelWidth), labelWidth)} ${progressBar(theme, t.done, t.total, barWidth)} ${t.done}/${t.total} ${sanitizeLine(t.unit)}`,
    training ? lossParts(training).join(' ') : '',
    // Without a live runner nothing is in flight and nothing will finish: no rate, no ETA.
    live && t.inFlight ? `${t.inFlight} in flight` : '',
    live && t.tokensPerSecond !== null ? `${compact(t.tokensPerSecond)} tok/s` : '',
    t.errors ? `${t.errors} errors` : '',
    live && t.done < t.total ? `ETA ${eta === null ? '?' : formatDuration(eta * 1000)}` : '',
  ];
  return truncate(theme, parts.filter(Boolean).join(`  `), width);
}

/** "[2/6] qwen-s/multi: step …": which of the cell's curves this is, when it has several to pick from. */
function trainingLine(theme: Theme, task: string, s: LossSeries, tasks: readonly string[]): string {
  const m = s.last;
  const which = tasks.length > 1 ? `[${tasks.indexOf(task) + 1}/${tasks.length}] ` : '';
  const parts = [
    `${which}${sanitizeLine(task)}: ${stepLabel(m)}`,
    ...lossParts(m),
    m.learningRate !== undefined ? `lr ${m.learningRate.toExponential(1)}` : '',
    m.tokensPerSecond !== undefined ? `${compact(m.tokensPerSecond)} tok/s` : '',
    // Peak memory the trainer allocated (torch), beside the GPU panel's whole-board figure.
    m.gpuMemoryMb !== undefined ? `mem ${compact(m.gpuMemoryMb)}MB` : '',
    m.remainingS !== undefined ? `ETA ${formatDuration(m.remainingS * 1000)}` : '',
  ];
  return parts.filter(Boolean).join(` ${theme.glyph.sep} `);
}

/**
 * A reading nvidia-smi gave as "[N/A]" (power on some boards, utilisation under MIG): NaN when
 * parsed, null once it went through the JSON event log.
 */
function reading(value: number | null, format: (v: number) => string): string {
  return typeof value === 'number' && Number.isFinite(value) ? format(value) : 'n/a';
}

function gpuText(g: GpuSample): string {
  const memory = `${reading(g.memoryUsedMb, compact)}/${reading(g.memoryTotalMb, compact)}MB`;
  return `gpu${g.index} ${reading(g.utilization, (v) => `${v}%`)} ${memory} ${reading(g.temperatureC, (v) => `${v}C`)} ${reading(g.powerW, (v) => `${Math.round(v)}W`)}`;
}

/** The most rows a step's error takes in the open cell (the longest advice needs 5 at 80 columns). */
const ERROR_ROWS = 6;

/**
 * The open cell: live progress per task, the loss chart of a training step, GPU use, result
 * files, errors, and the newest log lines, trimmed in that order of importance to `height`.
 */
export function CellDetail({ cell, width, height, live = true, curve }: { cell: CellState; width: number; height: number; live?: boolean; curve?: string }) {
  const theme = useTheme();
  const blocks: ReactNode[] = [];
  let left = height;
  const line = (key: string, text: string, color?: string) => {
    if (left <= 0) return;
    left -= 1;
    blocks.push(
      <Text key={key} color={color} wrap="truncate-end">
        {text}
      </Text>,
    );
  };

  if (cell.status === 'pending') line('pending', 'Not run yet: r runs this step, R runs it and every step after it.', theme.color.muted);
  if (cell.error && left > 0) {
    // An error wraps, row for row: its end says what to do. A longer one ends in an ellipsis.
    const wrapped = wrapWords(sanitizeLine(cell.error), Math.max(1, width));
    const rows = Math.min(left, ERROR_ROWS);
    const shown = wrapped.length > rows ? [...wrapped.slice(0, rows - 1), truncate(theme, wrapped.slice(rows - 1).join(' '), width)] : wrapped;
    shown.forEach((row, i) => line(`error-${i}`, row, theme.color.error));
  }
  // The tasks still going come first; what does not fit is counted, and a training step keeps room for its chart.
  const tasks = Object.values(cell.tasks);
  const finished = tasks.filter((t) => t.done >= t.total);
  const ordered = [...tasks.filter((t) => t.done < t.total), ...finished];
  const room = Object.keys(cell.training).length ? Math.max(2, left - MIN_CHART_ROWS - 2) : left;
  const shown = ordered.length > room ? ordered.slice(0, Math.max(0, room - 1)) : ordered;
  // Names as wide as they need ("industrial-medium/single"), up to a third of the row.
  const labelWidth = Math.max(MIN_LABEL, Math.min(Math.floor(width / 3), Math.max(0, ...shown.map((t) => displayWidth(sanitizeLine(t.task))))));
  for (const t of shown) line(`task-${t.task}`, taskLine(theme, t, width, live, labelWidth, cell.training[t.task]?.last));
  if (shown.length < ordered.length) line('tasks-more', `… ${ordered.length - shown.length} more (${finished.length} of ${ordered.length} finished)`, theme.color.muted);
  if (cell.throughput.length > 1 && left > 0) {
    const label = `throughput ${compact(cell.throughput.at(-1) ?? 0)} tok/s `;
    left -= 1;
    blocks.push(
      <Text key="throughput" wrap="truncate-end">
        <Text color={theme.color.muted}>{label}</Text>
        {sparkline(cell.throughput, { width: Math.max(0, Math.min(cell.throughput.length, 60, width - label.length)), min: 0, ascii: theme.ascii, color: theme.emphasis })}
      </Text>,
    );
  }

  // The curve picked (`curve`), else the run whose metrics arrived last: the one worth charting live.
  const task = shownCurve(cell.training, curve ?? null);
  if (task !== undefined) {
    const series = cell.training[task];
    line('train', trainingLine(theme, task, series, Object.keys(cell.training)));
    const chartRows = Math.min(MAX_CHART_ROWS, left - 2);
    if (chartRows >= MIN_CHART_ROWS && series.train.length > 1) {
      const chart = lossChart(
        series.train.map(([step, loss]) => ({ step, loss })),
        series.eval.map(([step, loss]) => ({ step, loss })),
        { width, height: chartRows, ascii: theme.ascii, color: theme.emphasis },
      );
      const lines = chart.split('\n');
      left -= lines.length;
      blocks.push(<Text key="chart">{chart}</Text>);
    }
  }

  const gpus = cell.gpu?.samples;
  if (gpus?.length) {
    const text = gpus.map(gpuText).join(`  `);
    line('gpu', text, theme.color.muted);
  } else if (cell.gpu?.message) line('gpu', sanitizeLine(cell.gpu.message), theme.color.muted);

  for (const r of cell.results) line(`result-${r.name}`, `${r.name}: ${sanitizeLine(r.summary)}`, theme.color.ok);

  return (
    <Box flexDirection="column" marginLeft={4}>
      {blocks}
      {left > 0 && cell.logs.length ? <LogView lines={cell.logs} height={left} /> : null}
    </Box>
  );
}
