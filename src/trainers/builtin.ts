import { join } from 'node:path';
import { trainBuiltin, type PretrainProgress } from '../engines/builtin/index.js';
import type { TrainerConfig } from '../domain/session.js';
import { HELD_OUT_FRACTION, readTrainingExamples } from './dataset.js';
import { appendTrainMetrics } from './metrics-file.js';
import type { TrainerEvent, TrainJob } from './types.js';

export type BuiltinTrainerConfig = Extract<TrainerConfig, { kind: 'builtin' }>;

/** What a builtin-engine target trains with when its session entry names no trainer. */
export const DEFAULT_BUILTIN_TRAINER: BuiltinTrainerConfig = { kind: 'builtin', epochs: 1, learningRate: 0.5, batchSize: 16 };

/** Continued training of a builtin n-gram model on the condition's dataset, in process. */
export async function* trainWithBuiltin(
  job: TrainJob,
  base: string,
  cfg: BuiltinTrainerConfig,
  opts: { cacheDir?: string } = {},
): AsyncGenerator<TrainerEvent> {
  const examples = await readTrainingExamples(job.datasetPath);
  // A base used for the first time pretrains inside trainBuiltin, for seconds, before its first
  // metrics: its progress arrives by callback and is handed on between the trainer's events.
  const pretraining: PretrainProgress[] = [];
  let wake = () => {};
  const stream = trainBuiltin({
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
    onProgress: (p) => {
      pretraining.push(p);
      wake();
    },
  });
  // Iterated by hand: `for await` would close the trainer the moment our consumer stops, before
  // it could save a checkpoint.
  let finished = false;
  try {
    let pending = stream.next();
    for (;;) {
      // Progress may have come in while we were suspended at a yield: hand it on before waiting.
      const next = pretraining.length > 0 ? null : await Promise.race([pending, new Promise<null>((resolve) => (wake = () => resolve(null)))]);
      for (let p = pretraining.shift(); p; p = pretraining.shift()) yield { type: 'pretraining', progress: p };
      if (next === null) continue;
      if (next.done) break;
      const event = next.value;
      if (event.type === 'metrics') {
        // Kept on disk as the hf trainer keeps its own, so the curve outlives the run's events.
        appendTrainMetrics(job.runDir, event.metrics);
        yield event;
      }
      else if (event.type === 'done') yield { type: 'trained', model: { kind: 'builtin', modelDir: event.modelDir } };
      pending = stream.next();
    }
    finished = true;
  } finally {
    // A runner that stops listening after a cancel leaves the trainer paused at a yield; let it
    // reach its abort check, which saves a checkpoint, so the rerun resumes from this step.
    if (!finished && job.signal.aborted) while (!(await stream.next()).done);
  }
  job.signal.throwIfAborted();
}
