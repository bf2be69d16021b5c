import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../util/atomic.js';

/**
 * `runs/<condition>/model.json`: how to open the model a training run produced. Written last,
 * so its presence means the run finished (the train step skips it on rerun). Paths are stored
 * relative to the run dir, so a session folder can be moved or copied.
 */
export type TrainedModel =
  | { kind: 'builtin'; modelDir: string }
  | { kind: 'openai'; baseUrl: string; model: string; apiKeyEnv?: string }
  | { kind: 'unserved'; adapterDir: string; serveCommand: string[] };

const TrainedModelFile = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), modelDir: z.string().min(1) }),
  z.object({ kind: z.literal('openai'), baseUrl: z.string().min(1), model: z.string().min(1), apiKeyEnv: z.string().optional() }),
  z.object({ kind: z.literal('unserved'), adapterDir: z.string().min(1), serveCommand: z.array(z.string()).min(1) }),
]);

export const MODEL_FILE = 'model.json';

/** The trained model of a run dir (paths made absolute); null when the run has not finished. */
export function readTrainedModel(runDir: string): TrainedModel | null {
  const file = join(runDir, MODEL_FILE);
  if (!existsSync(file)) return null;
  let parsed;
  try {
    parsed = TrainedModelFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file} is not a valid trained-model file (${(err as Error).message.split('\n')[0]}): delete it and rerun the train step`);
  }
  switch (parsed.kind) {
    case 'builtin':
      return { kind: 'builtin', modelDir: resolve(runDir, parsed.modelDir) };
    case 'unserved':
      return { kind: 'unserved', adapterDir: resolve(runDir, parsed.adapterDir), serveCommand: parsed.serveCommand };
    case 'openai':
      return parsed.apiKeyEnv ? parsed : { kind: 'openai', baseUrl: parsed.baseUrl, model: parsed.model };
  }
}

export function writeTrainedModel(runDir: string, model: TrainedModel): void {
  const rel = (p: string) => (isAbsolute(p) ? relative(runDir, p) || '.' : p);
  const stored: TrainedModel =
    model.kind === 'builtin'
      ? { kind: 'builtin', modelDir: rel(model.modelDir) }
      : model.kind === 'unserved'
        ? { ...model, adapterDir: rel(model.adapterDir) }
        : model;
  writeJsonAtomic(join(runDir, MODEL_FILE), stored);
}
