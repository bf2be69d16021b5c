import { hasDirection, pairedCosineDistanceDifferences, unitRows } from '../../metrics/semantic.js';
import { pairedBootstrap, pairedPermutationTest } from '../../metrics/stats.js';
import { meanStat, type EvaluatedRef, type PairedResult, type Stat } from '../results.js';

/** One condition's per-item values (keyed by test example id) of the metric being compared. */
export interface PerItemValues {
  ref: EvaluatedRef;
  values: ReadonlyMap<string, number>;
}

/** Up to this many paired items the p-value is the exact sign-flip test's: a bootstrap of a handful of items cannot spread (one item gives p < 0.001). */
const EXACT_UP_TO = 16;

/**
 * mean(a − b) over the keys both maps have a value for, with its seeded paired-bootstrap
 * interval and p-value — the exact permutation p for a few items.
 */
export function pairedOverShared(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, seed: number): { diff: Stat; p: number | null } {
  const ids = [...a.keys()].filter((id) => b.has(id));
  const xs = ids.map((id) => a.get(id)!);
  const ys = ids.map((id) => b.get(id)!);
  const cmp = pairedBootstrap(xs, ys, { seed });
  if (cmp.reason !== null) return { diff: meanStat(cmp, ids.length), p: null };
  const exact = ids.length <= EXACT_UP_TO ? pairedPermutationTest(xs, ys) : null;
  return { diff: meanStat(cmp, ids.length), p: exact && exact.reason === null ? exact.value : cmp.value.p };
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

/** One condition's embedding of each answered test item (keyed by test example id). */
export interface PerItemVectors {
  ref: EvaluatedRef;
  vectors: ReadonlyMap<string, ArrayLike<number> | undefined>;
}

/**
 * Every pair of conditions of the same target compared on mean pairwise cosine distance, over
 * the test items every condition of that target has an embedding for. Not a mean of per-item
 * values, so each pair is resampled as a whole (`pairedCosineDistanceDifferences`).
 */
export function pairedCosineByTarget(models: readonly PerItemVectors[], seed: number, onProgress?: (target: string, done: number, total: number) => void): PairedResult[] {
  const out: PairedResult[] = [];
  for (const target of new Set(models.map((m) => m.ref.target))) {
    const group = models.filter((m) => m.ref.target === target);
    if (group.length < 2) continue;
    const ids = [...group[0].vectors.keys()].filter((id) => group.every((m) => hasDirection(m.vectors.get(id))));
    const sets = group.map((m) => unitRows(ids.map((id) => m.vectors.get(id)!)));
    for (const { a, b, diff } of pairedCosineDistanceDifferences(sets, { seed }, onProgress && ((done, total) => onProgress(target, done, total)))) {
      out.push({ target, a: group[a].ref.condition, b: group[b].ref.condition, diff: meanStat(diff, ids.length), p: diff.reason === null ? diff.value.p : null });
    }
  }
  return out;
}
