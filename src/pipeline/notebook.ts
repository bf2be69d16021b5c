import { skipUnknownEvent, type GpuSample, type RunEvent, type StepStatus, type TrainMetrics } from '../domain/events.js';
import { STEP_IDS, type StepId } from '../domain/session.js';

/**
 * The Run notebook's state, folded from the event log. Pure (no terminal, no clock): the TUI
 * and the headless `attach` printer both feed it batches of events from `events.jsonl`.
 * Series and logs are ring buffers so a long run never grows the state without bound.
 */

export const LOG_CAP = 200;
export const SERIES_CAP = 240;

export type CellStatus = 'pending' | 'running' | StepStatus;

export interface TaskProgress {
  task: string;
  done: number;
  total: number;
  unit: string;
  inFlight: number;
  errors: number;
  tokensPerSecond: number | null;
  /** First sample seen for this task in the current attempt, for the rate and the ETA. */
  firstT: number;
  firstDone: number;
  lastT: number;
}

export interface LossSeries {
  /** [step, loss] pairs. */
  train: [number, number][];
  eval: [number, number][];
  last: TrainMetrics;
  /** When its latest metrics were logged: the live chart follows the run that spoke last. */
  lastT: number;
}

export interface LogLine {
  t: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface CellState {
  step: StepId;
  status: CellStatus;
  startedAt: number | null;
  finishedAt: number | null;
  elapsedMs: number | null;
  summary: string;
  error: string | null;
  tasks: Record<string, TaskProgress>;
  training: Record<string, LossSeries>;
  /** Total tokens/s across tasks over time, for the throughput sparkline. */
  throughput: number[];
  results: { name: string; path: string; summary: string }[];
  logs: LogLine[];
  gpu: { samples: GpuSample[] | null; message?: string } | null;
  /** How long this step took when it last finished, in this run or an earlier one: a guess at its next duration. */
  lastDoneMs: number | null;
}

export interface NotebookState {
  runId: string | null;
  runStatus: 'idle' | 'running' | 'done' | 'failed' | 'cancelled';
  pid: number | null;
  cells: Record<StepId, CellState>;
  /** Events folded so far (a cheap change indicator for renderers). */
  seen: number;
  /** Time of the newest event: the clock of a run whose runner is gone. */
  lastT: number | null;
  /** The latest run: when it started and ended, and the steps it was asked to run. */
  run: { startedAt: number; finishedAt: number | null; steps: StepId[] } | null;
}

function emptyCell(step: StepId): CellState {
  return {
    step,
    status: 'pending',
    startedAt: null,
    finishedAt: null,
    elapsedMs: null,
    summary: '',
    error: null,
    tasks: {},
    training: {},
    throughput: [],
    results: [],
    logs: [],
    gpu: null,
    lastDoneMs: null,
  };
}

export function emptyNotebook(): NotebookState {
  const cells = {} as Record<StepId, CellState>;
  for (const step of STEP_IDS) cells[step] = emptyCell(step);
  return { runId: null, runStatus: 'idle', pid: null, cells, seen: 0, lastT: null, run: null };
}

function capped<T>(items: T[], item: T, cap: number): T[] {
  const next = items.length >= cap ? items.slice(items.length - cap + 1) : items.slice();
  next.push(item);
  return next;
}

function updateTask(prev: TaskProgress | undefined, e: Extract<RunEvent, { type: 'progress' }>): TaskProgress {
  // A task whose count went backwards restarted (a new attempt), and one that now counts in other
  // units began its work (a queued training run's steps): measure its rate afresh.
  const restart = !prev || e.done < prev.done || e.unit !== prev.unit;
  return {
    task: e.task,
    done: e.done,
    total: e.total,
    unit: e.unit,
    inFlight: e.inFlight ?? 0,
    errors: e.errors ?? 0,
    tokensPerSecond: e.tokensPerSecond ?? null,
    firstT: restart ? e.t : prev.firstT,
    firstDone: restart ? e.done : prev.firstDone,
    lastT: e.t,
  };
}

function foldCell(cell: CellState, e: RunEvent): CellState {
  switch (e.type) {
    case 'step-start':
      // A re-run starts the cell over; its earlier output is superseded, its duration kept for the ETA.
      return { ...emptyCell(cell.step), status: 'running', startedAt: e.t, lastDoneMs: cell.lastDoneMs };
    case 'progress': {
      const tasks = { ...cell.tasks, [e.task]: updateTask(cell.tasks[e.task], e) };
      const total = Object.values(tasks).reduce((sum, t) => sum + (t.tokensPerSecond ?? 0), 0);
      const throughput = e.tokensPerSecond === undefined ? cell.throughput : capped(cell.throughput, total, SERIES_CAP);
      return { ...cell, tasks, throughput };
    }
    case 'log':
      return { ...cell, logs: capped(cell.logs, { t: e.t, level: e.level, message: e.message }, LOG_CAP) };
    case 'train-metrics': {
      const prev = cell.training[e.task] ?? { train: [], eval: [], last: e.metrics, lastT: e.t };
      const m = e.metrics;
      const series: LossSeries = {
        train: m.loss === undefined ? prev.train : capped(prev.train, [m.step, m.loss], SERIES_CAP),
        eval: m.evalLoss === undefined ? prev.eval : capped(prev.eval, [m.step, m.evalLoss], SERIES_CAP),
        last: { ...prev.last, ...m },
        lastT: e.t,
      };
      return { ...cell, training: { ...cell.training, [e.task]: series } };
    }
    case 'gpu':
      return { ...cell, gpu: { samples: e.samples, message: e.message } };
    case 'result': {
      const results = cell.results.filter((r) => r.name !== e.name);
      results.push({ name: e.name, path: e.path, summary: e.summary });
      return { ...cell, results };
    }
    case 'summary':
      return { ...cell, summary: e.text };
    case 'step-finish':
      return {
        ...cell,
        status: e.status,
        finishedAt: e.t,
        elapsedMs: e.elapsedMs,
        summary: e.summary || cell.summary,
        error: e.error ?? null,
        lastDoneMs: e.status === 'done' ? e.elapsedMs : cell.lastDoneMs,
      };
    case 'run-start':
    case 'run-finish':
      return cell;
    default:
      skipUnknownEvent(e);
      return cell;
  }
}

/** Fold one event. Unknown steps (from a newer runner) are ignored rather than crashing the view. */
export function reduceNotebook(state: NotebookState, e: RunEvent): NotebookState {
  const seen = state.seen + 1;
  const lastT = e.t;
  if (e.type === 'run-start') {
    return { ...state, runId: e.runId, runStatus: 'running', pid: e.pid, seen, lastT, run: { startedAt: e.t, finishedAt: null, steps: e.steps } };
  }
  if (e.type === 'run-finish') {
    // A run that ended mid-step leaves that cell as it was cancelled or failed with it.
    const cells = { ...state.cells };
    for (const step of STEP_IDS) {
      if (cells[step].status === 'running') cells[step] = { ...cells[step], status: e.status === 'done' ? 'done' : e.status, finishedAt: e.t };
    }
    return { ...state, runStatus: e.status, cells, seen, lastT, run: state.run && { ...state.run, finishedAt: e.t } };
  }
  const cell = state.cells[e.step];
  if (!cell) return { ...state, seen, lastT };
  return { ...state, cells: { ...state.cells, [e.step]: foldCell(cell, e) }, seen, lastT };
}

export function applyEvents(state: NotebookState, events: readonly RunEvent[]): NotebookState {
  return events.reduce(reduceNotebook, state);
}

/** Seconds left for a task from its observed rate in this attempt; null until it can be told. */
export function taskEtaSeconds(task: TaskProgress): number | null {
  const doneSince = task.done - task.firstDone;
  const dt = (task.lastT - task.firstT) / 1000;
  if (task.done >= task.total) return 0;
  if (doneSince <= 0 || dt <= 0) return null;
  return (task.total - task.done) / (doneSince / dt);
}

/** Seconds left for a running cell at `now`: its slowest unfinished task's; null until every such task can tell. */
export function cellEtaSeconds(cell: CellState, now: number): number | null {
  if (cell.status !== 'running') return null;
  const unfinished = Object.values(cell.tasks).filter((t) => t.done < t.total);
  if (!unfinished.length) return null;
  let slowest = 0;
  for (const task of unfinished) {
    const eta = taskEtaSeconds(task);
    if (eta === null) return null;
    // The estimate was made at the task's last report: it counts down until the next one.
    slowest = Math.max(slowest, eta - (now - task.lastT) / 1000);
  }
  return Math.max(0, slowest);
}

/** Elapsed time of the latest run: to its end, or to `now` while it runs; null before any run. */
export function runElapsedMs(state: NotebookState, now: number): number | null {
  if (!state.run) return null;
  return Math.max(0, (state.run.finishedAt ?? now) - state.run.startedAt);
}

/**
 * Seconds left for the running run: the running cell's ETA plus the steps after it, each guessed
 * from its last finished duration. `atLeast` when a step after it never finished before, so the
 * sum leaves it out; null while the running cell cannot tell.
 */
export function runEta(state: NotebookState, now: number): { seconds: number; atLeast: boolean } | null {
  if (!state.run || state.runStatus !== 'running') return null;
  const steps = state.run.steps;
  const current = steps.findIndex((s) => state.cells[s]?.status === 'running');
  if (current < 0) return null;
  const eta = cellEtaSeconds(state.cells[steps[current]], now);
  if (eta === null) return null;
  let seconds = eta;
  let atLeast = false;
  for (const step of steps.slice(current + 1)) {
    const last = state.cells[step]?.lastDoneMs ?? null;
    if (last === null) atLeast = true;
    else seconds += last / 1000;
  }
  return { seconds, atLeast };
}

/** Elapsed time of a cell: final when finished, running time against `now` while it runs. */
export function cellElapsedMs(cell: CellState, now: number): number | null {
  if (cell.elapsedMs !== null) return cell.elapsedMs;
  if (cell.startedAt !== null && cell.status === 'running') return Math.max(0, now - cell.startedAt);
  return null;
}

/** Items the cell's tasks left failed for good (error rows): what a retry of its step does again. */
export function failedItems(cell: CellState): number {
  return Object.values(cell.tasks).reduce((sum, t) => sum + t.errors, 0);
}

/** A running cell's progress in one line ("4/9 tasks done · 2,310/5,760 answers"), for its row when the detail has no room. */
export function progressLine(cell: CellState): string {
  const tasks = Object.values(cell.tasks);
  if (!tasks.length) return '';
  const finished = tasks.filter((t) => t.total > 0 && t.done >= t.total).length;
  const units = new Set(tasks.map((t) => t.unit));
  const sum = (k: 'done' | 'total') => tasks.reduce((s, t) => s + t[k], 0).toLocaleString('en-US');
  const count = units.size === 1 ? ` · ${sum('done')}/${sum('total')} ${[...units][0]}` : '';
  return `${finished}/${tasks.length} tasks done${count}`;
}

/** "step 3/200", or "step 3" while the run has not said its total (0). */
export function stepLabel(m: { step: number; totalSteps: number }): string {
  return m.totalSteps > 0 ? `step ${m.step}/${m.totalSteps}` : `step ${m.step}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
