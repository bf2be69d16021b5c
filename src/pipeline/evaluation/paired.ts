import { pairedBootstrap } from '../../metrics/stats.js';
import { meanStat, type EvaluatedRef, type PairedResult } from '../results.js';

/** One condition's per-item values (keyed by test example id) of the metric being compared. */
export interface PerItemValues {
  ref: EvaluatedRef;
  values: ReadonlyMap<string, number>;
}

/**
 * Every pair of conditions of the same target, compared by a seeded paired bootstrap of
 * mean(a − b) over the items both have a value for.
 */
export function pairedByItem(models: readonly PerItemValues[], seed: number): PairedResult[] {
  const out: PairedResult[] = [];
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const a = models[i];
      const b = models[j];
      if (a.ref.target !== b.ref.target) continue;
      const ids = [...a.values.keys()].filter((id) => b.values.has(id));
      const cmp = pairedBootstrap(
        ids.map((id) => a.values.get(id)!),
        ids.map((id) => b.values.get(id)!),
        { seed },
      );
      out.push({ target: a.ref.target, a: a.ref.condition, b: b.ref.condition, diff: meanStat(cmp, ids.length), p: cmp.reason === null ? cmp.value.p : null });
    }
  }
  return out;
}
