import { join } from 'node:path';
import { trainBuiltinOnPool } from '../engines/builtin/index.js';
import type { TrainerConfig } from '../domain/session.js';
import { HELD_OUT_FRACTION, readTrainingExamples } from './dataset.js';
import { appendTrainMetrics } from './metrics-file.js';
import type { TrainerEvent, TrainJob } from './types.js';

export type BuiltinTrainerConfig = Extract<TrainerConfig, { kind: 'builtin' }>;

/** What a builtin-engine target trains with when its session entry names no trainer. */
export const DEFAULT_BUILTIN_TRAINER: BuiltinTrainerConfig = { kind: 'builtin', epochs: 1, learningRate: 0.5, batchSize: 16 };

/**
 * Continued training of a builtin n-gram model on the condition's dataset, on a thread of the
 * builtin pool: several conditions train on several cores at once, and a cancel saves a
 * checkpoint there before the run stops.
 */
export async function* trainWithBuiltin(
  job: TrainJob,
  base: string,
  cfg: BuiltinTrainerConfig,
  opts: { cacheDir?: string } = {},
): AsyncGenerator<TrainerEvent> {
  const examples = await readTrainingExamples(job.datasetPath);
  const events = trainBuiltinOnPool({
    base,
    examples,
    outDir: join(job.runDir, 'model'),
    epochs: cfg.epochs,
    learningRate: cfg.learningRate,
    batchSize: cfg.batchSize,
    evalFraction: HELD_OUT_FRACTION,
    seed: job.seed,
    signal: job.signal,
    cacheDir: opts.cacheDir,
  });
  for await (const event of events) {
    // A base used for the first time pretrains before the first metrics: its progress passes through.
    if (event.type === 'pretraining') yield event;
    else if (event.type === 'metrics') {
      // Kept on disk as the hf trainer keeps its own, so the curve outlives the run's events.
      appendTrainMetrics(job.runDir, event.metrics);
      yield event;
    } else if (event.type === 'done') yield { type: 'trained', model: { kind: 'builtin', modelDir: event.modelDir } };
  }
  job.signal.throwIfAborted();
}
