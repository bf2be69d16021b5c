import type { TrainMetrics } from '../../pipeline/events.js';
import { parsePythonLiteral } from './python-literal.js';

/**
 * Reads training progress from the output of HF-Trainer-based tools:
 *  - baskets' own trainer (trainers/train_hf.py): `BASKETS_METRICS {json}` lines, metrics.jsonl;
 *  - the HF Trainer's printed log dicts, as axolotl and TRL print them too:
 *    `{'loss': 1.234, 'grad_norm': 0.5, 'learning_rate': 2e-05, 'epoch': 0.1}`;
 *  - LLaMA-Factory's trainer_log.jsonl: `{"current_steps": 10, "total_steps": 100, ...}`;
 *  - tqdm progress bars (`  5%|▌   | 10/200 [00:05<01:35, ...]`), for the step when a dict lacks it;
 *  - trainer_state.json (log_history, global_step, max_steps).
 * Anything else on the line (warnings, tracebacks, garbage) is ignored.
 */

export const METRICS_PREFIX = 'BASKETS_METRICS ';

/** The field names each tool uses, mapped onto TrainMetrics. */
const FIELDS: Record<string, keyof TrainMetrics> = {
  step: 'step',
  current_steps: 'step',
  global_step: 'step',
  total_steps: 'totalSteps',
  max_steps: 'totalSteps',
  loss: 'loss',
  eval_loss: 'evalLoss',
  learning_rate: 'learningRate',
  lr: 'learningRate',
  epoch: 'epoch',
  grad_norm: 'gradNorm',
  tokens_per_second: 'tokensPerSecond',
  throughput: 'tokensPerSecond',
  gpu_memory_mb: 'gpuMemoryMb',
  elapsed_s: 'elapsedS',
  elapsed_time: 'elapsedS',
  remaining_s: 'remainingS',
  remaining_time: 'remainingS',
};

/** Keys that make a record a training log rather than some other dict that happens to be printed. */
const METRIC_KEYS = new Set(['loss', 'eval_loss', 'learning_rate', 'lr', 'grad_norm']);

/** A NaN or infinite loss is news (the run diverged) and is kept; elsewhere such a value means "none". */
const NON_FINITE_OK = new Set<keyof TrainMetrics>(['loss', 'evalLoss']);

/** "0:01:02" or "1 day, 2:03:04.5" (Python's str(timedelta)) → seconds; numbers pass through. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(?:(\d+) days?, )?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** The HF Trainer's end-of-training summary ('train_runtime', mean 'train_loss'): not a step, but the end of the run. */
export function isRunSummary(record: Record<string, unknown>): boolean {
  return 'train_runtime' in record;
}

/** Map one log record (any of the tools' field names) onto TrainMetrics fields; null if it is not a training log. */
export function metricsFromRecord(record: Record<string, unknown>): Partial<TrainMetrics> | null {
  if (!Object.keys(record).some((k) => METRIC_KEYS.has(k))) return null;
  if (isRunSummary(record)) return null;
  const out: Partial<TrainMetrics> = {};
  for (const [key, raw] of Object.entries(record)) {
    const field = FIELDS[key];
    if (!field) continue;
    const value = field === 'elapsedS' || field === 'remainingS' ? parseDuration(raw) : raw;
    if (typeof value === 'number' && (Number.isFinite(value) || NON_FINITE_OK.has(field))) out[field] = value;
  }
  return out;
}

/** What one line says: a log record, the position of a progress bar, or both (tqdm interleaves them). */
export interface ParsedLine {
  metrics?: Partial<TrainMetrics>;
  /** Whether the record came in baskets' own `BASKETS_METRICS` form. */
  own?: boolean;
  progress?: { step: number; total: number };
  /** The line is the run's end-of-training summary. */
  end?: boolean;
}

const TQDM = /(\d+)\/(\d+) \[[\d:]+<[\d:?]+/;

/** Parse one line of output; null when it holds no training progress. */
export function parseLogLine(line: string): ParsedLine | null {
  const prefixAt = line.indexOf(METRICS_PREFIX);
  if (prefixAt >= 0) {
    const record = parseObject(line.slice(prefixAt + METRICS_PREFIX.length));
    const metrics = record && metricsFromRecord(record);
    return metrics ? { metrics, own: true } : null;
  }
  const open = line.indexOf('{');
  const close = line.lastIndexOf('}');
  const record = open >= 0 && close > open ? parseObject(line.slice(open, close + 1)) : null;
  const metrics = record ? metricsFromRecord(record) : null;
  const bar = TQDM.exec(open >= 0 ? line.slice(0, open) : line);
  const parsed: ParsedLine = {
    ...(metrics ? { metrics } : {}),
    ...(bar ? { progress: { step: Number(bar[1]), total: Number(bar[2]) } } : {}),
    ...(record && isRunSummary(record) ? { end: true } : {}),
  };
  return parsed.metrics || parsed.progress || parsed.end ? parsed : null;
}

function parseObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = parsePythonJson(text);
  } catch {
    value = parsePythonLiteral(text);
  }
  return isObject(value) ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// Stands in for NaN while JSON.parse runs: JSON has no NaN, and a real string starting with NUL is not expected.
const NAN = '\u0000NaN';

/**
 * JSON.parse that also reads the bare NaN, Infinity and -Infinity that Python's json.dumps writes
 * (as in trainer_state.json once the loss diverges). Strings are matched first so their text is left alone.
 */
export function parsePythonJson(text: string): unknown {
  const json = text.replace(/"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g, (match, bare?: string) => {
    if (bare === undefined) return match;
    return bare === 'NaN' ? JSON.stringify(NAN) : bare.replace('Infinity', '1e999'); // 1e999 parses as Infinity
  });
  return JSON.parse(json, (_key, value: unknown) => (value === NAN ? NaN : value));
}

/**
 * Turns a stream of log lines into complete TrainMetrics records. Printed dicts carry no step,
 * so the step comes from the training progress bar (the longest bar seen: evaluation bars are
 * shorter) or, failing that, counts the log records. The total comes from the records or the
 * bar; without either it is unknown (0), until the Trainer's end-of-training summary shows
 * where the run ended. Once a `BASKETS_METRICS` line is seen, the stream is baskets' own
 * trainer and other printed dicts are ignored as repeats.
 */
export class TrainLogFollower {
  private barStep = 0;
  private sawBar = false;
  private total = 0;
  private ownFormat = false;
  private lastEmitted = 0;

  push(line: string): TrainMetrics | null {
    const parsed = parseLogLine(line);
    if (!parsed) return null;
    const bar = parsed.progress;
    if (bar && bar.total >= this.total) {
      this.total = bar.total;
      this.barStep = bar.step;
      this.sawBar = true;
    }
    if (parsed.end) return this.ended();
    const m = parsed.metrics;
    if (!m) return null;
    if (parsed.own) this.ownFormat = true;
    else if (this.ownFormat) return null;
    const step = m.step ?? (this.sawBar ? this.barStep : this.lastEmitted + 1);
    const totalSteps = m.totalSteps ?? (this.total > 0 ? Math.max(this.total, step) : 0);
    this.total = Math.max(this.total, totalSteps);
    this.lastEmitted = step;
    return { ...m, step, totalSteps };
  }

  /** The run ended where it stands: a record at its last step, so followers stop. Our own trainer's lines say so themselves. */
  private ended(): TrainMetrics | null {
    const step = this.sawBar ? this.barStep : this.lastEmitted;
    if (this.ownFormat || step === 0) return null;
    return { step, totalSteps: step };
  }
}

/**
 * All log steps in a trainer_state.json, train and eval records of the same step merged. Throws,
 * saying what is wrong, when the text is not a trainer state (not JSON, no log_history list).
 */
export function parseTrainerState(json: string): TrainMetrics[] {
  const state = readTrainerState(json);
  const byStep = new Map<number, TrainMetrics>();
  for (const entry of state.log_history) {
    const metrics = isObject(entry) ? metricsFromRecord(entry) : null;
    if (!metrics || metrics.step === undefined) continue;
    const totalSteps = state.max_steps ?? Math.max(metrics.step, state.global_step ?? 0);
    const previous = byStep.get(metrics.step);
    byStep.set(metrics.step, { ...previous, ...metrics, step: metrics.step, totalSteps });
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

interface TrainerState {
  log_history: unknown[];
  global_step?: number;
  max_steps?: number;
}

function readTrainerState(json: string): TrainerState {
  let state: unknown;
  try {
    state = parsePythonJson(json);
  } catch (err) {
    // V8 quotes part of the text in its message, newlines and all.
    throw new Error(`not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`);
  }
  if (!isObject(state)) throw new Error('not a JSON object, as the Trainer writes it');
  if (!Array.isArray(state.log_history)) throw new Error(`its log_history is ${describe(state.log_history)}, not a list of log records`);
  return state as unknown as TrainerState;
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'missing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
