import type { TrainMetrics } from '../../domain/events.js';
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

/**
 * A value as a number: transformers 5 prints every float as a string formatted with "{:.4g}"
 * ('5.56', '1e-05', 'nan', 'inf'), 4.x prints the number itself. Anything else is not a number.
 */
export function numberOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Number(text);
  const special = /^([-+]?)(nan|inf|infinity)$/i.exec(text);
  if (!special) return undefined;
  return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
}

/**
 * Map one log record (any of the tools' field names) onto TrainMetrics fields; null if it is not
 * a training log. A record that says where the run stands (LLaMA-Factory's last line has a step
 * and a total but no loss) is one too.
 */
export function metricsFromRecord(record: Record<string, unknown>): Partial<TrainMetrics> | null {
  const keys = Object.keys(record);
  const placed = numberOf(record.current_steps) !== undefined && numberOf(record.total_steps) !== undefined;
  if (!placed && !keys.some((k) => METRIC_KEYS.has(k))) return null;
  if (isRunSummary(record)) return null;
  const out: Partial<TrainMetrics> = {};
  for (const [key, raw] of Object.entries(record)) {
    const field = FIELDS[key];
    if (!field) continue;
    const value = field === 'elapsedS' || field === 'remainingS' ? parseDuration(raw) : numberOf(raw);
    if (value !== undefined && (Number.isFinite(value) || NON_FINITE_OK.has(field))) out[field] = value;
  }
  return out;
}

/** A tqdm bar's position, and whether it can be the Trainer's own (one with no description, counting iterations). */
export interface BarPosition {
  step: number;
  total: number;
  trainer: boolean;
}

/** What one line says: a log record, the position of a progress bar, or both (a bar and the dict written after it). */
export interface ParsedLine {
  metrics?: Partial<TrainMetrics>;
  /** Whether the record came in baskets' own `BASKETS_METRICS` form. */
  own?: boolean;
  progress?: BarPosition;
  /** The line is the run's end-of-training summary. */
  end?: boolean;
}

/**
 * A tqdm bar: "{desc}: {pct}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}]". The HF
 * Trainer's bar has no description and counts iterations (it/s, s/it); datasets' bars
 * ("Map", "Tokenizing train dataset") and loading bars have a description, and count examples.
 */
const TQDM = /^(.*?)\d{1,3}%\|[^|]*\|\s*(\d+)\/(\d+) \[[\d:]+<[\d:?]+(?:,\s*([^\]]*))?/;
/** Cursor movement and other escape sequences tqdm writes around nested bars (the Trainer's eval bar). */
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

function barOf(text: string): BarPosition | undefined {
  const bar = TQDM.exec(text.replace(ESCAPES, ''));
  if (!bar) return undefined;
  const described = bar[1].trim() !== '';
  const iterations = bar[4] === undefined || /(^|\s)(\?|[\d.]+)\s*(it\/s|s\/it)\b/.test(bar[4]);
  return { step: Number(bar[2]), total: Number(bar[3]), trainer: !described && iterations };
}

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
  const bar = barOf(open >= 0 ? line.slice(0, open) : line);
  const parsed: ParsedLine = {
    ...(metrics ? { metrics } : {}),
    ...(bar ? { progress: bar } : {}),
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
 * Turns a stream of log lines into complete TrainMetrics records.
 *
 * Printed dicts carry no step. The HF Trainer writes each one through its progress bar
 * (`tqdm.write`), which redraws the bar right after the dict at the step just logged, so a
 * dict waits for the next redraw of the Trainer's bar and takes its position. The bar shown
 * before a dict may lag behind (tqdm redraws at most ten times a second). The Trainer's bar is
 * the first bar without a description (datasets' "Map" and "Tokenizing" bars have one); bars
 * of another length are its evaluation bars. Where there is no bar at all (stdout kept apart
 * from the bars on stderr), records are numbered in order. The total comes from the records or
 * the bar; without either it is unknown (0), until the Trainer's end-of-training summary shows
 * where the run ended. Once a `BASKETS_METRICS` line is seen, the stream is baskets' own
 * trainer and other printed dicts are ignored as repeats.
 */
export class TrainLogFollower {
  private trainerTotal = 0;
  private barStep = 0;
  private sawBar = false;
  private total = 0;
  private ownFormat = false;
  private lastEmitted = 0;
  /** Dicts written since the Trainer's bar was last drawn: they are at the step it is drawn at next. */
  private pending: Partial<TrainMetrics>[] = [];

  /** The records a line completes (none, one, or those it places at their step). */
  push(line: string): TrainMetrics[] {
    const parsed = parseLogLine(line);
    if (!parsed) return [];
    const out: TrainMetrics[] = [];
    const bar = parsed.progress;
    if (bar?.trainer && (!this.sawBar || bar.total === this.trainerTotal)) {
      this.trainerTotal = bar.total;
      this.total = Math.max(this.total, bar.total);
      this.barStep = bar.step;
      this.sawBar = true;
      out.push(...this.flush());
    }
    if (parsed.end) return [...out, ...this.flush(), ...this.ended()];
    const m = parsed.metrics;
    if (!m) return out;
    if (parsed.own) this.ownFormat = true;
    else if (this.ownFormat) return out;
    if (m.step === undefined && this.sawBar) this.pending.push(m);
    else out.push(this.complete(m, m.step ?? this.counted(m)));
    return out;
  }

  /** Records still waiting for the bar, placed where it last stood (the stream went quiet or ended). */
  flush(): TrainMetrics[] {
    return this.pending.splice(0).map((m) => this.complete(m, this.barStep));
  }

  /** With neither a step nor a bar, records are numbered in order; an evaluation shares the number of the log step before it. */
  private counted(m: Partial<TrainMetrics>): number {
    const evaluationOnly = m.loss === undefined && m.evalLoss !== undefined;
    return evaluationOnly ? Math.max(1, this.lastEmitted) : this.lastEmitted + 1;
  }

  private complete(m: Partial<TrainMetrics>, step: number): TrainMetrics {
    const totalSteps = m.totalSteps ?? (this.total > 0 ? Math.max(this.total, step) : 0);
    this.total = Math.max(this.total, totalSteps);
    this.lastEmitted = step;
    return { ...m, step, totalSteps };
  }

  /** The run ended where it stands: a record at its last step, so followers stop. Our own trainer's lines say so themselves. */
  private ended(): TrainMetrics[] {
    const step = this.sawBar ? this.barStep : this.lastEmitted;
    if (this.ownFormat || step === 0) return [];
    return [{ step, totalSteps: step }];
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
