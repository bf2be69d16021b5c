import { pairedBootstrap } from '../../metrics/stats.js';
import { meanStat, type EvaluatedRef, type PairedResult, type Stat } from '../results.js';

/** One condition's per-item values (keyed by test example id) of the metric being compared. */
export interface PerItemValues {
  ref: EvaluatedRef;
  values: ReadonlyMap<string, number>;
}

/** A seeded paired bootstrap of mean(a − b) over the keys both maps have a value for. */
export function pairedOverShared(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, seed: number): { diff: Stat; p: number | null } {
  const ids = [...a.keys()].filter((id) => b.has(id));
  const cmp = pairedBootstrap(
    ids.map((id) => a.get(id)!),
    ids.map((id) => b.get(id)!),
    { seed },
  );
  return { diff: meanStat(cmp, ids.length), p: cmp.reason === null ? cmp.value.p : null };
}

/** Every pair of conditions of the same target, compared on the items both have a value for. */
export function pairedByItem(models: readonly PerItemValues[], seed: number): PairedResult[] {
  const out: PairedResult[] = [];
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const a = models[i];
      const b = models[j];
      if (a.ref.target !== b.ref.target) continue;
      out.push({ target: a.ref.target, a: a.ref.condition, b: b.ref.condition, ...pairedOverShared(a.values, b.values, seed) });
    }
  }
  return out;
}
