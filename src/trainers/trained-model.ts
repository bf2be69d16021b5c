import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { sha256 } from '../domain/hash.js';
import { writeJsonAtomic } from '../util/atomic.js';

/**
 * What a run trained on: the SHA-256 of its dataset file and of its recipe (the trainer
 * settings that shape the weights, the base, the seed). A rerun whose fingerprint differs
 * trains again instead of reusing the run.
 */
export interface TrainedOn {
  dataset: string;
  recipe: string;
}

/**
 * `runs/<condition>/model.json`: how to open the model a training run produced. Written last,
 * so its presence means the run finished (the train step skips it on rerun). Paths are stored
 * relative to the run dir, so a session folder can be moved or copied. `trainedOn` is absent
 * from files written before fingerprints were recorded.
 */
export type TrainedModel = (
  | { kind: 'builtin'; modelDir: string }
  | { kind: 'openai'; baseUrl: string; model: string; apiKeyEnv?: string }
  | { kind: 'unserved'; adapterDir: string; serveCommand: string[] }
) & { trainedOn?: TrainedOn };

const trainedOn = z.object({ dataset: z.string().min(1), recipe: z.string().min(1) }).optional();
const TrainedModelFile = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), modelDir: z.string().min(1), trainedOn }),
  z.object({ kind: z.literal('openai'), baseUrl: z.string().min(1), model: z.string().min(1), apiKeyEnv: z.string().optional(), trainedOn }),
  z.object({ kind: z.literal('unserved'), adapterDir: z.string().min(1), serveCommand: z.array(z.string()).min(1), trainedOn }),
]);

export const MODEL_FILE = 'model.json';
/** Written when training starts, so an interrupted run (no model.json yet) says what it was on. */
export const TRAINING_FILE = 'training.json';

/** The fingerprint of a run about to train on `datasetPath` with `recipe` (any JSON). */
export function trainedOnOf(datasetPath: string, recipe: unknown): TrainedOn {
  return { dataset: sha256(readFileSync(datasetPath)), recipe: sha256(JSON.stringify(recipe)) };
}

export const sameTrainedOn = (a: TrainedOn, b: TrainedOn) => a.dataset === b.dataset && a.recipe === b.recipe;

/** model.json as stored (paths relative to the run dir); null when the run has not finished. */
function readStored(runDir: string): z.infer<typeof TrainedModelFile> | null {
  const file = join(runDir, MODEL_FILE);
  if (!existsSync(file)) return null;
  try {
    return TrainedModelFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file} is not a valid trained-model file (${(err as Error).message.split('\n')[0]}): delete it and rerun the train step`);
  }
}

/** The trained model of a run dir (paths made absolute); null when the run has not finished. */
export function readTrainedModel(runDir: string): TrainedModel | null {
  const stored = readStored(runDir);
  if (!stored) return null;
  const { trainedOn, ...model } = stored;
  const on = trainedOn ? { trainedOn } : {};
  switch (model.kind) {
    case 'builtin':
      return { kind: 'builtin', modelDir: resolve(runDir, model.modelDir), ...on };
    case 'unserved':
      return { kind: 'unserved', adapterDir: resolve(runDir, model.adapterDir), serveCommand: model.serveCommand, ...on };
    case 'openai':
      return { kind: 'openai', baseUrl: model.baseUrl, model: model.model, ...(model.apiKeyEnv ? { apiKeyEnv: model.apiKeyEnv } : {}), ...on };
  }
}

/**
 * The revision of a run's trained model: a hash of model.json as stored, so a retrained model
 * (a new `trainedOn`) has a new one and a moved session folder keeps it. Null when unfinished.
 */
export function trainedModelRevision(runDir: string): string | null {
  const stored = readStored(runDir);
  return stored && sha256(JSON.stringify(stored));
}

export function writeTrainedModel(runDir: string, model: TrainedModel): void {
  const rel = (p: string) => (isAbsolute(p) ? relative(runDir, p) || '.' : p);
  const stored: TrainedModel =
    model.kind === 'builtin'
      ? { ...model, modelDir: rel(model.modelDir) }
      : model.kind === 'unserved'
        ? { ...model, adapterDir: rel(model.adapterDir) }
        : model;
  writeJsonAtomic(join(runDir, MODEL_FILE), stored);
}

/** What the run in `runDir` trained (or is training) on; undefined for runs that predate the record. */
export function recordedTrainedOn(runDir: string): TrainedOn | undefined {
  const finished = readStored(runDir);
  if (finished) return finished.trainedOn;
  const file = join(runDir, TRAINING_FILE);
  if (!existsSync(file)) return undefined;
  return trainedOn.parse((JSON.parse(readFileSync(file, 'utf8')) as { trainedOn?: unknown }).trainedOn);
}

export function writeTrainingStart(runDir: string, on: TrainedOn): void {
  writeJsonAtomic(join(runDir, TRAINING_FILE), { trainedOn: on });
}
