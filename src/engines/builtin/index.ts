/**
 * The builtin engine: small in-process Kneser–Ney language models in three families × three
 * sizes, pretrained on first use from the State of the Union corpus and cached on disk, with
 * continued training saved as deltas. The public API other layers code against.
 */
import type { LanguageModel } from '../../domain/models.js';
import { builtinCacheDir } from './cache.js';
import { openFromSource } from './open.js';
import type { Progress } from './pretrain.js';

export type { SizeTier } from '../../domain/session.js';
export { builtinCacheDir } from './cache.js';
export { listBuiltinBases, type BuiltinBaseInfo, type Progress as PretrainProgress } from './pretrain.js';
export { trainBuiltin, type BuiltinTrainOptions, type BuiltinTrainEvent } from './train.js';
export { trainBuiltinOnPool, type PooledTrainEvent } from './train-on-pool.js';
export { builtinInstructionSet } from './instructions.js';

export interface BuiltinOpenOptions {
  id?: string;
  cacheDir?: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/**
 * A base model: pretrained on first use (with progress), then loaded from the cache. Its
 * requests run on the builtin pool's threads (pool.ts).
 */
export async function openBuiltinModel(base: string, opts: BuiltinOpenOptions = {}): Promise<LanguageModel> {
  const { id, cacheDir = builtinCacheDir(), ...load } = opts;
  return openFromSource({ id, cacheDir, base }, true, load);
}

/** A fine-tuned model: its base (from the cache) plus the delta saved in `modelDir`; on the pool like a base. */
export async function openTrainedBuiltin(modelDir: string, opts: BuiltinOpenOptions = {}): Promise<LanguageModel> {
  const { id, cacheDir = builtinCacheDir(), ...load } = opts;
  return openFromSource({ id, cacheDir, modelDir }, true, load);
}
