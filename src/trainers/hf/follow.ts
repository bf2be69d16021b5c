import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { atLastStep, type RunEvent, type TrainMetrics } from '../../domain/events.js';
import { isRunSummary, metricsFromRecord, parseLogLine, parsePythonJson, parseTrainerState, TrainLogFollower } from './parse.js';
import { readEventRecords, type Scalar } from './tfevents.js';

export interface FollowOptions {
  signal?: AbortSignal;
  /**
   * Keep following new output until the signal aborts (default); false reads what is there and
   * returns; a function is asked before each wait (a caller that has seen the last step reads
   * what is written already, the final evaluation among it, and stops).
   */
  follow?: boolean | (() => boolean);
  pollMs?: number;
  /** Told, once per problem, of a file that cannot be read yet (following goes on: it may be rewritten). */
  onWarning?: (message: string) => void;
}

/**
 * Follow a training run started outside baskets (or by it) and yield its metrics. The target is
 * a log file, a JSONL metrics file, a TensorBoard event file, a trainer_state.json, or an
 * output dir (see {@link findSource} for what is looked for there).
 */
export async function* followTrainingOutput(target: string, opts: FollowOptions = {}): AsyncGenerator<TrainMetrics> {
  if (!existsSync(target)) throw new Error(`${target} does not exist: give a training output dir, a log file or a trainer_state.json`);
  if (statSync(target).isDirectory()) yield* followDir(target, opts);
  else if (basename(target) === 'trainer_state.json') yield* followTrainerState(() => target, opts);
  else if (EVENT_FILE.test(basename(target))) yield* followEvents(target, () => null, opts);
  else yield* followLines(target, opts);
}

const EVENT_FILE = /^events\.out\.tfevents\./;
const LOOKED_FOR =
  'metrics.jsonl (baskets), trainer_log.jsonl (LLaMA-Factory), runs/*/events.out.tfevents.* (TensorBoard), a *.log or *.txt of the run\'s output, and checkpoint-*/trainer_state.json';

type Source = { kind: 'lines' | 'events'; file: string } | { kind: 'checkpoints' };

/**
 * What an output dir holds to follow, the liveliest first: a log written at every log step
 * (baskets' metrics.jsonl, LLaMA-Factory's trainer_log.jsonl), the TensorBoard event file the HF
 * Trainer writes as it goes, a captured output log in the dir, and last the trainer_state.json
 * that the Trainer writes only at each checkpoint. Null when there is none yet.
 */
function findSource(dir: string): Source | null {
  const log = ['metrics.jsonl', 'trainer_log.jsonl'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (log) return { kind: 'lines', file: log };
  const events = newest(filesUnder(dir, 3).filter((f) => EVENT_FILE.test(basename(f))));
  if (events) return { kind: 'events', file: events };
  const captured = newest(filesUnder(dir, 1).filter((f) => /\.(log|txt)$/.test(f) && holdsProgress(f)));
  if (captured) return { kind: 'lines', file: captured };
  return newestTrainerState(dir) ? { kind: 'checkpoints' } : null;
}

async function* followDir(dir: string, opts: FollowOptions): AsyncGenerator<TrainMetrics> {
  let source = findSource(dir);
  if (!source) opts.onWarning?.(`nothing to follow in ${dir} yet: looked for ${LOOKED_FOR}; waiting for the run to write one`);
  while (!source) {
    if (!(await waitForMore(opts))) return;
    source = findSource(dir);
  }
  if (source.kind === 'lines') yield* followLines(source.file, opts);
  else if (source.kind === 'events') yield* followEvents(source.file, () => newestTrainerState(dir), opts);
  else {
    opts.onWarning?.(
      `only checkpoints to read in ${dir}: progress moves at each save (checkpoint-*/trainer_state.json). For live lines, ` +
        `keep the run's output (python train.py 2>&1 | tee ${join(dir, 'train.log')}) and attach to that log, or report to TensorBoard (report_to="tensorboard")`,
    );
    yield* followTrainerState(() => newestTrainerState(dir), opts);
  }
}

/**
 * A growing file read from where the last read stopped. A file that shrinks was truncated or
 * replaced, and is read again from its start (`restarted`).
 */
class FileTail {
  private offset = 0;
  constructor(readonly file: string) {}

  read(): { bytes: Buffer; restarted: boolean } {
    const size = existsSync(this.file) ? statSync(this.file).size : 0;
    const restarted = size < this.offset;
    if (restarted) this.offset = 0;
    const bytes = size > this.offset ? readRange(this.file, this.offset, size) : Buffer.alloc(0);
    this.offset += bytes.length;
    return { bytes, restarted };
  }

  /** Give back the last `bytes` of the last read: an unfinished record, read again next time. */
  unread(bytes: number): void {
    this.offset -= bytes;
  }
}

async function* followLines(file: string, opts: FollowOptions): AsyncGenerator<TrainMetrics> {
  const tail = new FileTail(file);
  let follower = new TrainLogFollower();
  // A write may end inside a multi-byte character; the decoder holds those bytes back.
  let decoder = new StringDecoder('utf8');
  let partial = '';
  for (;;) {
    const { bytes, restarted } = tail.read();
    if (restarted) {
      follower = new TrainLogFollower();
      decoder = new StringDecoder('utf8');
      partial = '';
    }
    if (bytes.length) {
      const lines = (partial + decoder.write(bytes)).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) yield* follower.push(line);
    } else {
      // The writer went quiet: records still waiting for their progress bar stand where it last stood.
      yield* follower.flush();
    }
    if (!(await waitForMore(opts))) break;
  }
  if (partial) yield* follower.push(partial);
  yield* follower.flush();
}

/** TensorBoard tags of the HF Trainer, as the field names of its printed logs. */
function recordOf(scalars: Scalar[]): Record<string, number> {
  return Object.fromEntries(scalars.map((s) => [s.tag.replace(/^train\//, '').replace(/^eval\//, 'eval_'), s.value]));
}

/**
 * A TensorBoard event file as it grows. The Trainer writes one log step's scalars together, so
 * a step's record is complete once a later step shows or the file goes quiet. The total comes
 * from a trainer_state.json (`locateState`) where a checkpoint has been written; it is unknown
 * (0) before that, and the Trainer's end-of-training summary (train/train_runtime) ends the run.
 */
async function* followEvents(file: string, locateState: () => string | null, opts: FollowOptions): AsyncGenerator<TrainMetrics> {
  const tail = new FileTail(file);
  let pending: Scalar[] = [];
  const totalSteps = () => {
    const state = locateState();
    try {
      const max = state ? (parsePythonJson(readFileSync(state, 'utf8')) as { max_steps?: unknown } | null)?.max_steps : undefined;
      return typeof max === 'number' ? max : 0;
    } catch {
      return 0; // caught mid-save: unknown until the next record
    }
  };
  const flush = function* (): Generator<TrainMetrics> {
    if (!pending.length) return;
    const step = pending[0].step;
    const total = totalSteps();
    // The end-of-training summary shares the last step's tags: train/train_runtime, train/train_loss, train/total_flos.
    const summary = pending.filter((s) => /^train\/(train_|total_flos)/.test(s.tag));
    const evaluation = pending.filter((s) => s.tag.startsWith('eval/'));
    const train = pending.filter((s) => !summary.includes(s) && !evaluation.includes(s));
    pending = [];
    for (const record of [recordOf(train), recordOf(evaluation)]) {
      const metrics = metricsFromRecord(record);
      if (metrics && Object.keys(metrics).some((k) => k !== 'epoch')) yield { ...metrics, step, totalSteps: Math.max(total, step) };
    }
    if (isRunSummary(recordOf(summary))) yield { step, totalSteps: step };
  };
  for (;;) {
    const { bytes } = tail.read();
    if (bytes.length) {
      const { scalars, consumed } = readEventRecords(bytes);
      tail.unread(bytes.length - consumed);
      for (const scalar of scalars) {
        if (pending.length && scalar.step !== pending[0].step) yield* flush();
        pending.push(scalar);
      }
    } else yield* flush();
    if (!(await waitForMore(opts))) break;
  }
  yield* flush();
}

async function* followTrainerState(locate: () => string | null, opts: FollowOptions): AsyncGenerator<TrainMetrics> {
  let lastStep = -1;
  let lastSeen = '';
  let lastProblem = '';
  for (;;) {
    const file = locate();
    const stamp = file && existsSync(file) ? `${file}:${statSync(file).mtimeMs}` : '';
    if (file && stamp && stamp !== lastSeen) {
      lastSeen = stamp;
      const read = readStateFile(file);
      // The Trainer rewrites the file at every save: the same problem again is not news.
      if (read.problem && read.problem !== lastProblem) opts.onWarning?.(`${read.problem}; still following, for when the Trainer rewrites it`);
      lastProblem = read.problem ?? '';
      for (const metrics of read.records) {
        if (metrics.step <= lastStep) continue;
        lastStep = metrics.step;
        yield metrics;
      }
    }
    if (!(await waitForMore(opts))) break;
  }
}

/** The records of a trainer_state.json, or none and what is wrong with it. */
function readStateFile(file: string): { records: TrainMetrics[]; problem?: string } {
  const text = readFileSync(file, 'utf8');
  try {
    return { records: parseTrainerState(text) };
  } catch (err) {
    return { records: [], problem: `cannot read ${file}: ${(err as Error).message}` };
  }
}

/** The newest of `files` by modification time, or null. */
function newest(files: string[]): string | null {
  return files.length ? files.reduce((a, b) => (statSync(b).mtimeMs > statSync(a).mtimeMs ? b : a)) : null;
}

/** The files in `dir` and its subfolders, `depth` levels down. */
function filesUnder(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile()) out.push(path);
    else if (entry.isDirectory() && depth > 1 && !/^checkpoint-\d+$/.test(entry.name)) out.push(...filesUnder(path, depth - 1));
  }
  return out;
}

/** Whether a log file shows training progress in its first 256 KiB (a captured Trainer output, not some other log). */
function holdsProgress(file: string): boolean {
  const text = readRange(file, 0, Math.min(statSync(file).size, 256 * 1024)).toString('utf8');
  return text.split(/\r?\n|\r/).some((line) => {
    const parsed = parseLogLine(line);
    return parsed?.metrics !== undefined || parsed?.progress?.trainer === true;
  });
}

/** The HF Trainer writes trainer_state.json into each checkpoint and, at the end, into the output dir. */
function newestTrainerState(dir: string): string | null {
  const checkpoints = readdirSync(dir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  const candidates = [join(dir, 'trainer_state.json'), ...checkpoints.map((m) => join(dir, m[0], 'trainer_state.json'))];
  return newest(candidates.filter((f) => existsSync(f)));
}

function readRange(file: string, start: number, end: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** True when the caller wants more after a poll interval; false to stop. */
async function waitForMore(opts: FollowOptions): Promise<boolean> {
  const follow = typeof opts.follow === 'function' ? opts.follow() : opts.follow !== false;
  if (!follow || opts.signal?.aborted) return false;
  try {
    await sleep(opts.pollMs ?? 1000, undefined, { signal: opts.signal });
    return true;
  } catch {
    return false;
  }
}

/** The name a followed run goes by: its output dir, log or checkpoint folder. */
export function followedTaskName(target: string): string {
  return basename(resolve(target));
}

/** A followed run's metrics as the `train-metrics` event a baskets run logs for its train step. */
export function externalTrainingEvent(task: string, metrics: TrainMetrics, t = Date.now()): RunEvent {
  return { type: 'train-metrics', t, runId: 'external', step: 'train', task, metrics };
}

/** Something to say about following a run, as the `log` event of its train step. */
export function externalLogEvent(level: 'warn' | 'error', message: string, t = Date.now()): RunEvent {
  return { type: 'log', t, runId: 'external', step: 'train', level, message };
}

/**
 * Follow a run started outside baskets in the background, handing each batch of its metrics
 * to `onEvents` as train-metrics events; `close` stops following (the run is not ours to stop).
 * A file that cannot be read yet gets a warning `log` event; a follow that fails (the target
 * vanished) ends with one error `log` event saying why.
 */
export function watchTraining(target: string, onEvents: (events: RunEvent[]) => void, opts: { pollMs?: number } = {}): { close(): void } {
  const stop = new AbortController();
  const task = followedTaskName(target);
  void (async () => {
    try {
      const onWarning = (message: string) => onEvents([externalLogEvent('warn', message)]);
      let ended = false;
      const follow = () => !ended;
      for await (const metrics of followTrainingOutput(target, { signal: stop.signal, pollMs: opts.pollMs, onWarning, follow })) {
        onEvents([externalTrainingEvent(task, metrics)]);
        ended ||= atLastStep(metrics);
      }
    } catch (err) {
      if (stop.signal.aborted) return;
      const why = existsSync(target) ? (err as Error).message : "the run's output was moved or deleted";
      onEvents([externalLogEvent('error', `stopped reading the run (${why}): ${target}`)]);
    }
  })();
  return { close: () => stop.abort() };
}
