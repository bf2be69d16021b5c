import type { PretrainProgress } from '../engines/builtin/index.js';
import type { GpuSample, TrainMetrics } from '../domain/events.js';
import type { TrainedModel } from './trained-model.js';
import type { TrainingData, TrainingDevice } from '../domain/training-data.js';

/** One condition's training run, as the train step hands it to a trainer. */
export interface TrainJob {
  /** The condition name; also names the fine-tuned model where a server needs one. */
  name: string;
  /** TrainingExample JSONL written by the assemble step. */
  datasetPath: string;
  /** Where the run keeps its checkpoints, logs and model.json. */
  runDir: string;
  seed: number;
  signal: AbortSignal;
}

/** What every trainer streams; the last event of a successful run is `trained`. */
export type TrainerEvent =
  | { type: 'metrics'; metrics: TrainMetrics }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'gpu'; samples: GpuSample[] | null; message?: string }
  | { type: 'device'; device: TrainingDevice }
  | { type: 'data'; data: TrainingData }
  /** A builtin base pretraining on first use, before its fine-tuning starts. */
  | { type: 'pretraining'; progress: PretrainProgress }
  | { type: 'trained'; model: TrainedModel };
