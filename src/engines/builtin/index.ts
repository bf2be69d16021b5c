/**
 * The builtin engine: small in-process Kneser–Ney language models in three families × three
 * sizes, pretrained on first use from the State of the Union corpus and cached on disk, with
 * continued training saved as deltas. The public API other layers code against.
 */
import { basename } from 'node:path';
import type { LanguageModel } from '../../domain/models.js';
import { BuiltinModel } from './model.js';
import { loadBase, type Progress } from './pretrain.js';
import { readTrainedDelta } from './train.js';

export type { SizeTier } from '../../domain/session.js';
export { builtinCacheDir } from './cache.js';
export { listBuiltinBases, type BuiltinBaseInfo, type Progress as PretrainProgress } from './pretrain.js';
export { trainBuiltin, type BuiltinTrainOptions, type BuiltinTrainEvent } from './train.js';
export { builtinInstructionSet } from './instructions.js';

export interface BuiltinOpenOptions {
  id?: string;
  cacheDir?: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** A base model: pretrained on first use (with progress), then loaded from the cache. */
export async function openBuiltinModel(base: string, opts: BuiltinOpenOptions = {}): Promise<LanguageModel> {
  const model = await loadBase(base, opts);
  return new BuiltinModel(opts.id ?? base, model);
}

/** A fine-tuned model: its base (from the cache) plus the delta saved in `modelDir`. */
export async function openTrainedBuiltin(modelDir: string, opts: BuiltinOpenOptions = {}): Promise<LanguageModel> {
  const { file, table } = readTrainedDelta(modelDir);
  const base = await loadBase(file.base, opts);
  if (table.vocabSize !== base.tokenizer.vocabSize || table.order !== base.table.order) {
    throw new Error(`${modelDir} was trained on a different version of "${file.base}": train the condition again`);
  }
  return new BuiltinModel(opts.id ?? `${file.base}+${basename(modelDir)}`, base, { table, weight: file.mixWeight });
}
