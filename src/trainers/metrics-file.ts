import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainMetrics } from '../domain/events.js';
import { followTrainingOutput } from './hf/follow.js';

/**
 * A training run's metrics on disk, `<runDir>/metrics.jsonl`: one JSON record per log step,
 * in the field names trainers/train_hf.py writes, so one reader serves every trainer and a
 * finished or resumed run's curves can be drawn again from the run folder alone.
 */
export const METRICS_FILE = 'metrics.jsonl';

/** TrainMetrics fields under train_hf.py's names (what the log parsers read back). */
const NAMES: Record<keyof TrainMetrics, string> = {
  step: 'step',
  totalSteps: 'total_steps',
  loss: 'loss',
  evalLoss: 'eval_loss',
  learningRate: 'learning_rate',
  epoch: 'epoch',
  gradNorm: 'grad_norm',
  tokensPerSecond: 'tokens_per_second',
  gpuMemoryMb: 'gpu_memory_mb',
  elapsedS: 'elapsed_s',
  remainingS: 'remaining_s',
};

/** Append one log step's metrics to the run's metrics file. */
export function appendTrainMetrics(runDir: string, metrics: TrainMetrics): void {
  mkdirSync(runDir, { recursive: true });
  const record = Object.fromEntries(Object.entries(metrics).flatMap(([k, v]) => (v === undefined ? [] : [[NAMES[k as keyof TrainMetrics], v]])));
  appendFileSync(join(runDir, METRICS_FILE), `${JSON.stringify(record)}\n`);
}

/** Every log step the run's metrics file holds, in file order; none where the run has no file. */
export async function readTrainMetrics(runDir: string): Promise<TrainMetrics[]> {
  const file = join(runDir, METRICS_FILE);
  if (!existsSync(file)) return [];
  const out: TrainMetrics[] = [];
  for await (const m of followTrainingOutput(file, { follow: false })) out.push(m);
  return out;
}
