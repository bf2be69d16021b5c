import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { GpuSample, TrainMetrics } from '../../domain/events.js';
import { splitLines } from '../../util/lines.js';
import { projectFile } from '../../util/project-file.js';
import { AsyncQueue } from '../queue.js';
import { TrainingData, TrainingDevice } from '../../domain/training-data.js';
import { likelyCause } from './diagnose.js';
import { startGpuMonitor } from './gpu.js';
import { METRICS_PREFIX, TrainLogFollower } from './parse.js';

export type HfProcessEvent =
  | { type: 'metrics'; metrics: TrainMetrics }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'gpu'; samples: GpuSample[] | null; message?: string }
  | { type: 'device'; device: TrainingDevice }
  | { type: 'data'; data: TrainingData }
  | { type: 'done'; adapterDir: string };

export interface HfLaunchOptions {
  /** Where train.log is written (the script's own output dir is in `args`). */
  runDir: string;
  /** Arguments for the training script. */
  args: string[];
  /** The command that runs the script; default {@link accelerateLaunch}. */
  launcher?: string[];
  accelerateConfig?: string;
  /** Processes for the default launcher (trainer.processes). */
  processes?: number;
  /** The training script; default the project's trainers/train_hf.py. */
  script?: string;
  signal?: AbortSignal;
  /** After a stop request, how long the trainer may take to save its checkpoint before it is killed. */
  stopGraceMs?: number;
  /** The nvidia-smi command, or false to not sample GPUs. */
  nvidiaSmi?: string | false;
}

/** A training process that failed; the message names the likely cause, `logTail` holds its last lines. */
export class TrainingFailedError extends Error {
  constructor(
    message: string,
    readonly logTail: string[],
    readonly logFile: string,
  ) {
    super(message);
    this.name = 'TrainingFailedError';
  }
}

const TAIL_LINES = 50;
const LOG_LINE = /^BASKETS_(LOG|DEVICE|DATA|ERROR|DONE|STOPPED) (\{.*\})\s*$/;

/**
 * `accelerate launch`, with the user's accelerate config (its default one unless a file is
 * named). Several processes are always a multi-process launch: accelerate starts them through
 * torchrun, one per GPU, or as CPU processes where there is none (the script then forms a CPU
 * process group); its plain launcher would start one process whatever the count. Unless
 * OMP_NUM_THREADS says otherwise, the machine's cores are shared among the processes: accelerate
 * would give each one thread, which leaves a CPU run on one core.
 */
export function accelerateLaunch(configFile?: string, processes?: number, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): string[] {
  const threads = env.OMP_NUM_THREADS ? [] : ['--num_cpu_threads_per_process', String(Math.max(1, Math.floor(cores / (processes ?? 1))))];
  return [
    'accelerate',
    'launch',
    ...(configFile ? ['--config_file', configFile] : []),
    ...(processes === undefined ? [] : processes > 1 ? ['--multi_gpu', '--num_processes', String(processes)] : ['--num_processes', '1']),
    ...threads,
  ];
}

/**
 * Run the HF training script in its own process group and stream what it reports. Arguments
 * go to spawn as an array, never through a shell. Every output line is appended to
 * <runDir>/train.log. Aborting the signal sends SIGTERM to the whole group (the script saves a
 * checkpoint and exits), then SIGKILL after `stopGraceMs`; the generator returns only once the
 * processes are gone and then throws the abort reason. A non-zero exit throws
 * TrainingFailedError with the likely cause and the last 50 lines (BASKETS_* protocol lines left out).
 */
export async function* runHfProcess(opts: HfLaunchOptions): AsyncGenerator<HfProcessEvent> {
  const launcher = opts.launcher ?? accelerateLaunch(opts.accelerateConfig, opts.processes);
  const script = opts.script ?? projectFile('trainers/train_hf.py');
  const argv = [...launcher.slice(1), script, ...opts.args];
  mkdirSync(opts.runDir, { recursive: true });
  const logFile = join(opts.runDir, 'train.log');
  const logFd = openSync(logFile, 'a');
  writeSync(logFd, `\n=== ${new Date().toISOString()} ${JSON.stringify([launcher[0], ...argv])}\n`);

  const events = new AsyncQueue<HfProcessEvent>();
  const tail: string[] = [];
  const follower = new TrainLogFollower();
  let adapterDir: string | null = null;
  // The script's own account of what ended it; the launcher's error comes after and says less.
  let reportedError: string | undefined;
  let stopRequested = false;

  const child = spawn(launcher[0], argv, {
    detached: true, // its own process group, so a stop reaches accelerate's worker processes too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const stopGpu = opts.nvidiaSmi === false ? () => {} : startGpuMonitor((report) => events.push({ type: 'gpu', ...report }), opts.nvidiaSmi);

  const onOwnLine = (kind: string, payload: Record<string, unknown>) => {
    switch (kind) {
      case 'LOG':
        events.push({ type: 'log', level: payload.level === 'warn' ? 'warn' : 'info', message: String(payload.message ?? '') });
        return;
      case 'DEVICE': {
        const device = TrainingDevice.safeParse(payload);
        if (!device.success) return;
        // Training on the CPU uses no GPU: sampling one would only say nvidia-smi is missing.
        if (device.data.device === 'cpu') stopGpu();
        events.push({ type: 'device', device: device.data });
        return;
      }
      case 'DATA': {
        const data = TrainingData.safeParse(payload);
        if (data.success) events.push({ type: 'data', data: data.data });
        return;
      }
      case 'ERROR':
        reportedError ??= typeof payload.error === 'string' ? payload.error : undefined;
        return;
      case 'DONE':
        if (typeof payload.adapter_dir === 'string') adapterDir = resolve(payload.adapter_dir);
        return;
    }
  };
  const onLine = (line: string) => {
    writeSync(logFd, line + '\n');
    if (line.trim() === '') return;
    const own = LOG_LINE.exec(line);
    // The tail explains a crash: the script's own protocol lines are shown as events already.
    if (!own && !line.startsWith(METRICS_PREFIX)) {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
    if (own) {
      onOwnLine(own[1], safeJson(own[2]));
      return;
    }
    for (const metrics of follower.push(line)) events.push({ type: 'metrics', metrics });
  };
  splitLines(child.stdout, onLine);
  splitLines(child.stderr, onLine);

  const stop = () => {
    if (stopRequested) return;
    stopRequested = true;
    signalGroup(child.pid, 'SIGTERM');
    const killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), opts.stopGraceMs ?? 120_000);
    child.once('close', () => clearTimeout(killTimer));
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  if (opts.signal?.aborted) stop();

  const exited = new Promise<void>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      events.fail(new TrainingFailedError(launcherMissing(launcher[0], err), tail.slice(), logFile));
      resolve();
    });
    // 'close' waits for every process holding the output pipes, i.e. the launcher's workers too.
    child.once('close', (code, signal) => {
      stopGpu();
      if (stopRequested) events.end();
      else if (code === 0 && adapterDir) events.push({ type: 'done', adapterDir });
      else if (code === 0) events.fail(new TrainingFailedError('the training script exited without finishing (no BASKETS_DONE line): see train.log', tail.slice(), logFile));
      else events.fail(new TrainingFailedError(`training failed: ${likelyCause(tail, { code, signal }, reportedError)}`, tail.slice(), logFile));
      events.end();
      resolve();
    });
  });

  try {
    yield* events;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('cancelled');
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) stop();
    await exited;
    stopGpu();
    closeSync(logFd);
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function safeJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function launcherMissing(command: string, err: NodeJS.ErrnoException): string {
  if (err.code !== 'ENOENT') return `cannot start ${command}: ${err.message}`;
  if (command === 'accelerate') {
    return `accelerate not found on PATH: in the Python environment you train with, pip install -r ${projectFile('trainers/requirements.txt')}, activate it, and rerun (or set BASKETS_HF_LAUNCHER)`;
  }
  return `${command} not found on PATH: install it or fix BASKETS_HF_LAUNCHER`;
}
