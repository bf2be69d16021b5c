import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { atLastStep, type RunEvent, type TrainMetrics } from '../../pipeline/events.js';
import { parseTrainerState, TrainLogFollower } from './parse.js';

export interface FollowOptions {
  signal?: AbortSignal;
  /** Keep following new output until the signal aborts (default); false reads what is there and returns. */
  follow?: boolean;
  pollMs?: number;
  /** Told, once per problem, of a file that cannot be read yet (following goes on: it may be rewritten). */
  onWarning?: (message: string) => void;
}

/**
 * Follow a training run started outside baskets (or by it) and yield its metrics. The target is
 * a log file, a JSONL metrics file, a trainer_state.json, or an output dir, in which the first
 * of these found is followed: metrics.jsonl (baskets), trainer_log.jsonl (LLaMA-Factory),
 * trainer_state.json of the newest checkpoint or of the dir itself (any HF Trainer).
 */
export async function* followTrainingOutput(target: string, opts: FollowOptions = {}): AsyncGenerator<TrainMetrics> {
  if (!existsSync(target)) throw new Error(`${target} does not exist: give a training output dir, a log file or a trainer_state.json`);
  if (statSync(target).isDirectory()) {
    const log = ['metrics.jsonl', 'trainer_log.jsonl'].map((f) => join(target, f)).find((f) => existsSync(f));
    if (log) yield* followLines(log, opts);
    else yield* followTrainerState(() => newestTrainerState(target), opts);
  } else if (basename(target) === 'trainer_state.json') {
    yield* followTrainerState(() => target, opts);
  } else {
    yield* followLines(target, opts);
  }
}

async function* followLines(file: string, opts: FollowOptions): AsyncGenerator<TrainMetrics> {
  const follower = new TrainLogFollower();
  // A write may end inside a multi-byte character; the decoder holds those bytes back.
  let decoder = new StringDecoder('utf8');
  let offset = 0;
  let partial = '';
  for (;;) {
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size < offset) {
      // Truncated or replaced: start over.
      offset = 0;
      partial = '';
      decoder = new StringDecoder('utf8');
    }
    if (size > offset) {
      const text = partial + decoder.write(readRange(file, offset, size));
      offset = size;
      const lines = text.split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const metrics = follower.push(line);
        if (metrics) yield metrics;
      }
    }
    if (!(await waitForMore(opts))) break;
  }
  const last = partial && follower.push(partial);
  if (last) yield last;
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

/** The HF Trainer writes trainer_state.json into each checkpoint and, at the end, into the output dir. */
function newestTrainerState(dir: string): string | null {
  const checkpoints = readdirSync(dir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  const candidates = [join(dir, 'trainer_state.json'), ...checkpoints.map((m) => join(dir, m[0], 'trainer_state.json'))];
  const present = candidates.filter((f) => existsSync(f));
  if (!present.length) return null;
  return present.reduce((a, b) => (statSync(b).mtimeMs > statSync(a).mtimeMs ? b : a));
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
  if (opts.follow === false || opts.signal?.aborted) return false;
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
      for await (const metrics of followTrainingOutput(target, { signal: stop.signal, pollMs: opts.pollMs, onWarning })) {
        onEvents([externalTrainingEvent(task, metrics)]);
        if (atLastStep(metrics)) return;
      }
    } catch (err) {
      if (stop.signal.aborted) return;
      const why = existsSync(target) ? (err as Error).message : "the run's output was moved or deleted";
      onEvents([externalLogEvent('error', `stopped reading the run (${why}): ${target}`)]);
    }
  })();
  return { close: () => stop.abort() };
}
