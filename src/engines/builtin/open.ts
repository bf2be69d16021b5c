import { basename } from 'node:path';
import { BuiltinModel } from './model.js';
import { runOnBuiltinPool, type BuiltinModelSource } from './pool.js';
import { loadBase, resolveBase, type PretrainOptions, type Progress } from './pretrain.js';
import { readTrainedDelta } from './train.js';

/**
 * The builtin model at `source`: a base, or a base plus the delta trained in a folder.
 * `pooled`: its heavy requests run on the pool's threads (the main process); else here (inside
 * a pool thread).
 */
export async function openFromSource(source: BuiltinModelSource, pooled: boolean, opts: Omit<PretrainOptions, 'cacheDir'> = {}): Promise<BuiltinModel> {
  const loadOpts: PretrainOptions = { ...opts, cacheDir: source.cacheDir, ...(pooled ? { pretrainElsewhere: pretrainOnPool } : {}) };
  const remote = pooled ? source : undefined;
  if ('base' in source) return new BuiltinModel(source.id ?? source.base, await loadBase(source.base, loadOpts), undefined, remote);
  const { file, table } = readTrainedDelta(source.modelDir);
  const base = await loadBase(file.base, loadOpts);
  if (table.vocabSize !== base.tokenizer.vocabSize || table.order !== base.table.order) {
    throw new Error(`${source.modelDir} was trained on a different version of "${file.base}": train the condition again`);
  }
  const id = source.id ?? `${file.base}+${basename(source.modelDir)}`;
  return new BuiltinModel(id, base, { table, weight: file.mixWeight }, remote);
}

/** The family tokenizer's pool task per cache folder and family: the sizes of a family share it. */
const tokenizersOnPool = new Map<string, Promise<unknown>>();

/**
 * Pretrains `base` on a thread of the pool, which writes its pack to the cache (and keeps the
 * model for its requests), so bases missing from the cache pretrain on every core at once. The
 * family's tokenizer is trained first, once for all its sizes.
 */
async function pretrainOnPool(base: string, cacheDir: string, opts: Pick<PretrainOptions, 'onProgress' | 'signal'>): Promise<void> {
  const source = { cacheDir, base };
  const task = { signal: opts.signal, onEvent: opts.onProgress };
  const family = `${cacheDir}\0${resolveBase(base).info.family}`;
  let tokenizer = tokenizersOnPool.get(family);
  if (!tokenizer) {
    tokenizer = runOnBuiltinPool<null, Progress>({ source, method: 'tokenizer', args: [] }, task);
    tokenizersOnPool.set(family, tokenizer);
  }
  // Should the shared task fail (its caller cancelled), this base's own task trains the tokenizer.
  await tokenizer.catch(() => tokenizersOnPool.delete(family));
  await runOnBuiltinPool<null, Progress>({ source, method: 'pretrain', args: [] }, task);
}
