import { existsSync } from 'node:fs';
import { atLastStep } from '../domain/events.js';
import { externalLogEvent, externalTrainingEvent, followedTaskName, followTrainingOutput } from '../trainers/hf/follow.js';
import { EXIT } from './errors.js';
import { ConfigError } from '../domain/errors.js';
import { createPrinter } from './printer.js';

export interface AttachTrainingOptions {
  json?: boolean;
  /** Keep following until the run reaches its last step or the signal aborts (default); false prints what is there. */
  follow?: boolean;
  signal?: AbortSignal;
  pollMs?: number;
  progressEveryMs?: number;
}

/** Refuse, in one line, a target that is not there. */
export function checkTrainingTarget(target: string): void {
  if (!existsSync(target)) {
    throw new ConfigError(`${target} does not exist: give a training output dir, a log file or a trainer_state.json`);
  }
}

/**
 * `baskets attach --train <target>`: follow a training run started outside baskets (axolotl,
 * LLaMA-Factory, TRL, a plain HF Trainer script, or train_hf.py by hand) and print its
 * progress as the headless runner prints a train step: the same lines, or the same JSON
 * `train-metrics` events with --json. The target is an output dir, a log file (captured
 * stdout, metrics.jsonl, trainer_log.jsonl) or a trainer_state.json. Ends once the run's last
 * step is seen (a log without a progress bar tells it by the Trainer's end-of-training summary),
 * or on Ctrl-C (which only detaches: the run is not ours to stop).
 */
export async function attachTraining(target: string, opts: AttachTrainingOptions, out: (line: string) => void): Promise<number> {
  checkTrainingTarget(target);
  const task = followedTaskName(target);
  // Every log step is printed: the trainer's logging_steps already spaces them out, and catching up
  // on a run in progress should end on where it is now.
  const print = createPrinter(out, { json: opts.json, progressEveryMs: opts.progressEveryMs ?? 0 });
  const onWarning = (message: string) => print(externalLogEvent('warn', message));
  const follow = opts.follow ?? true;
  const stop = new AbortController();
  const detach = () => stop.abort();
  opts.signal?.addEventListener('abort', detach, { once: true });
  if (follow) process.once('SIGINT', detach);
  if (!opts.json) out(`following ${target}${follow ? ' (Ctrl-C detaches; the run keeps going)' : ''}`);

  let seen = false;
  let ended = false;
  // Past the last step, what is written already (the final evaluation) is read, and nothing waited for.
  const keepFollowing = () => follow && !ended;
  try {
    for await (const metrics of followTrainingOutput(target, { follow: keepFollowing, signal: stop.signal, pollMs: opts.pollMs, onWarning })) {
      seen = true;
      ended ||= atLastStep(metrics);
      print(externalTrainingEvent(task, metrics));
    }
  } finally {
    opts.signal?.removeEventListener('abort', detach);
    process.off('SIGINT', detach);
  }
  if (seen) return EXIT.ok;
  if (stop.signal.aborted) return EXIT.ok;
  out(`no training progress found in ${target}: expected HF Trainer log dicts, BASKETS_METRICS lines, trainer_log.jsonl or trainer_state.json`);
  return EXIT.failed;
}
