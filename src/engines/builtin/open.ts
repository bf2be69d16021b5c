import { basename } from 'node:path';
import { BuiltinModel } from './model.js';
import type { BuiltinModelSource } from './pool.js';
import { loadBase, type PretrainOptions } from './pretrain.js';
import { readTrainedDelta } from './train.js';

/**
 * The builtin model at `source`: a base, or a base plus the delta trained in a folder.
 * `pooled`: its heavy requests run on the pool's threads (the main process); else here (inside
 * a pool thread).
 */
export async function openFromSource(source: BuiltinModelSource, pooled: boolean, opts: Omit<PretrainOptions, 'cacheDir'> = {}): Promise<BuiltinModel> {
  const loadOpts = { ...opts, cacheDir: source.cacheDir };
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
