import { describe, expect, it } from 'vitest';
import { bootstrapMeanCosineDistance, hasDirection, meanPairwiseCosineDistance, pairedCosineDistanceDifferences, unitRows, vendiScore, vendiScoreOnThreads } from '../../src/metrics/semantic.js';
import { percentile } from '../../src/metrics/stats.js';
import { UNIT_BLOCK_ROWS, unitMatrix } from '../../src/metrics/unit-rows.js';
import { mulberry32 } from '../../src/util/rng.js';

const X = [[1, 2, 0, -1], [0.5, -1, 2, 0], [3, 0, 0, 1], [1, 1, 1, 1], [-2, 0.5, 0, 1], [0, 0, 1, -3]];

describe('mean pairwise cosine distance', () => {
  it('equals numpy: 1 − mean of the upper triangle of the cosine matrix', () => {
    // numpy 1.24: U = X/‖X‖; K = U·Uᵀ; 1 − K[triu(1)].mean()
    expect(meanPairwiseCosineDistance(unitRows(X)).value).toBeCloseTo(1.0161461121666755, 13);
  });
  it('is 0 for identical directions, 1 for orthogonal ones, undefined below two vectors', () => {
    expect(meanPairwiseCosineDistance(unitRows([[1, 2], [2, 4], [0.5, 1]])).value).toBeCloseTo(0, 14);
    expect(meanPairwiseCosineDistance(unitRows([[1, 0, 0], [0, 3, 0], [0, 0, 2]])).value).toBeCloseTo(1, 14);
    expect(meanPairwiseCosineDistance(unitRows([[1, 0]])).value).toBeNull();
  });
  it('measures vectors whose squares overflow (entries past 1e154) instead of dropping them as zero', () => {
    const units = unitRows([[1e308, 1e308], [1e308, -1e308], [3, 4]]);
    expect(units.n).toBe(3);
    expect([...unitMatrix(units)].map((x) => Number(x.toFixed(12)))).toEqual([0.707106781187, 0.707106781187, 0.707106781187, -0.707106781187, 0.6, 0.8]);
  });

  it('equals the sum over every pair when the vectors span several blocks of unit rows, float32 or not', () => {
    const r = mulberry32(11);
    const n = 2 * UNIT_BLOCK_ROWS + 37;
    const vs = Array.from({ length: n }, () => Float32Array.from({ length: 9 }, () => r() - 0.3));
    const u = vs.map((v) => Array.from(v, (x) => x / Math.hypot(...v)));
    let cosines = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) cosines += u[i].reduce((a, x, k) => a + x * u[j][k], 0);
    const byPairs = 1 - cosines / ((n * (n - 1)) / 2);
    expect(meanPairwiseCosineDistance(unitRows(vs)).value).toBeCloseTo(byPairs, 12);
    expect(meanPairwiseCosineDistance(unitRows(vs.map((v) => [...v]))).value).toBe(meanPairwiseCosineDistance(unitRows(vs)).value);
  });

  it('leaves zero vectors out and counts them', () => {
    const u = unitRows([[1, 0], [0, 0], [0, 1]]);
    expect(u.zeroVectors).toBe(1);
    expect(meanPairwiseCosineDistance(u).value).toBeCloseTo(1, 14);
  });
  it('refuses vectors of different dimensions', () => {
    expect(() => unitRows([[1, 0], [1, 0, 0]])).toThrow(/dimensions/);
  });
});

describe('Vendi score', () => {
  it('is 1 for identical vectors and n for orthogonal ones', () => {
    expect(vendiScore(unitRows(Array(5).fill([0.3, -1, 2]))).value).toBeCloseTo(1, 10);
    const eye = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? 1 : 0)));
    expect(vendiScore(unitRows(eye)).value).toBeCloseTo(4, 12);
  });
  it('equals numpy eigvalsh on K/n', () => {
    // numpy 1.24: w = eigvalsh(K/n); exp(−Σ w ln w) over w > 0
    expect(vendiScore(unitRows(X)).value).toBeCloseTo(3.7244912496779734, 12);
  });
  it('gives the same value in the dual (d×d) and primal (n×n) forms', () => {
    const r = mulberry32(5);
    const vs = Array.from({ length: 40 }, () => Float32Array.from({ length: 12 }, () => r() - 0.5));
    const u = unitRows(vs);
    expect(vendiScore(u, 'dual').value).toBeCloseTo(vendiScore(u, 'primal').value!, 10);
    expect(vendiScore(unitRows(X), 'dual').value).toBeCloseTo(3.7244912496779734, 12);
  });
  it('is undefined without non-zero vectors', () => {
    expect(vendiScore(unitRows([[0, 0]])).value).toBeNull();
  });
  it('gives the same value to the last bit with its similarity matrix on worker threads, and stops them on an abort', async () => {
    const r = mulberry32(21);
    // 3,000 × 400: enough work (2.4e8 multiply-adds) for the threads to be used; blas null: our own kernel on worker threads.
    const u = unitRows(Array.from({ length: 3000 }, () => Array.from({ length: 400 }, () => r() - 0.5)));
    const rows: number[] = [];
    const threaded = await vendiScoreOnThreads(u, { threads: 2, blas: null, onProgress: (phase, done) => phase === 'gram' && rows.push(done) });
    expect(threaded.value).toBe(vendiScore(u, 'auto', undefined, null).value);
    expect(rows.at(-1)).toBe(12 * 100); // 12 column blocks × 100 blocks of four rows
    const abort = new AbortController();
    const stopped = vendiScoreOnThreads(u, { threads: 2, blas: null, signal: abort.signal, onProgress: () => abort.abort(new Error('stop')) });
    await expect(stopped).rejects.toThrow('stop');
  });
  it('reports its similarity rows, then its eigen-reduction, each up to its known total (our own kernels)', () => {
    const r = mulberry32(8);
    const u = unitRows(Array.from({ length: 50 }, () => Array.from({ length: 7 }, () => r() - 0.5)));
    const seen: string[] = [];
    vendiScore(u, 'auto', (phase, done, total) => seen.push(`${phase} ${done}/${total}`), null);
    expect(seen.filter((s) => s.startsWith('gram')).at(-1)).toBe('gram 2/2');
    expect(seen.filter((s) => s.startsWith('eigenvalues')).at(-1)).toBe('eigenvalues 7/7');
    expect(seen.findIndex((s) => s.startsWith('eigenvalues'))).toBeGreaterThan(seen.findLastIndex((s) => s.startsWith('gram')));
  });
});

/** A resample's mean cosine distance the slow way: every pair of picks that are not the same answer. */
function resampledByHand(vs: number[][], picks: number[]): number {
  const cos = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k], 0) / Math.hypot(...a) / Math.hypot(...b);
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < picks.length; i++) {
    for (let j = i + 1; j < picks.length; j++) {
      if (picks[i] === picks[j]) continue;
      sum += 1 - cos(vs[picks[i]], vs[picks[j]]);
      pairs++;
    }
  }
  return sum / pairs;
}

describe('bootstrap interval of the mean cosine distance', () => {
  const r = mulberry32(11);
  const vs = Array.from({ length: 30 }, () => Array.from({ length: 8 }, () => r() - 0.3));

  it('equals resampling the responses by hand and averaging every pair of distinct responses', () => {
    const u = unitRows(vs);
    const rand = mulberry32(7);
    const means: number[] = [];
    for (let b = 0; b < 50; b++) {
      const picks = Array.from({ length: u.n }, () => Math.floor(rand() * u.n));
      means.push(resampledByHand(vs, picks));
    }
    means.sort((a, b) => a - b);
    const got = bootstrapMeanCosineDistance(u, { seed: 7, resamples: 50 }).value!;
    expect(got.mean).toBeCloseTo(meanPairwiseCosineDistance(u).value!, 14);
    expect(got.lo).toBeCloseTo(percentile(means, 0.025), 12);
    expect(got.hi).toBeCloseTo(percentile(means, 0.975), 12);
    expect(got.n).toBe(30);
  });
  it('is seeded, brackets the point value, and is undefined below two vectors', () => {
    const u = unitRows(vs);
    const a = bootstrapMeanCosineDistance(u, { seed: 3 }).value!;
    expect(bootstrapMeanCosineDistance(u, { seed: 3 }).value).toEqual(a);
    expect(a.lo).toBeLessThan(a.mean);
    expect(a.hi).toBeGreaterThan(a.mean);
    // Centred on the point value, not pulled below it by self-pairs.
    expect(Math.abs((a.lo + a.hi) / 2 - a.mean)).toBeLessThan((a.hi - a.lo) / 4);
    expect(bootstrapMeanCosineDistance(unitRows([[1, 0]])).reason).toMatch(/two/);
  });
});

describe('paired differences of the mean cosine distance', () => {
  const r = mulberry32(5);
  const noise = (scale: number) => Array.from({ length: 8 }, () => scale * (r() - 0.5));
  // Item k's answers share a direction (what the item asks); the "diverse" set strays further from it.
  const topics = Array.from({ length: 40 }, () => noise(1));
  const narrow = topics.map((t) => t.map((x, k) => x + noise(0.2)[k] + 1));
  const diverse = topics.map((t) => t.map((x, k) => x + noise(1.5)[k] + 1));

  it('resamples the items once for both sets: equals drawing the same items by hand and differencing', () => {
    const rand = mulberry32(9);
    const diffs: number[] = [];
    for (let b = 0; b < 40; b++) {
      const picks = Array.from({ length: narrow.length }, () => Math.floor(rand() * narrow.length));
      diffs.push(resampledByHand(diverse, picks) - resampledByHand(narrow, picks));
    }
    diffs.sort((a, b) => a - b);
    const [got] = pairedCosineDistanceDifferences([unitRows(diverse), unitRows(narrow)], { seed: 9, resamples: 40 });
    expect([got.a, got.b]).toEqual([0, 1]);
    const d = got.diff.value!;
    expect(d.mean).toBeCloseTo(meanPairwiseCosineDistance(unitRows(diverse)).value! - meanPairwiseCosineDistance(unitRows(narrow)).value!, 14);
    expect(d.lo).toBeCloseTo(percentile(diffs, 0.025), 12);
    expect(d.hi).toBeCloseTo(percentile(diffs, 0.975), 12);
    expect(d.n).toBe(40);
  });

  it('finds a real difference (interval above 0, small p) and none between a set and itself', () => {
    const [diverseVsNarrow, diverseVsItself, narrowVsDiverse] = pairedCosineDistanceDifferences([unitRows(diverse), unitRows(narrow), unitRows(diverse)], { seed: 1 });
    expect(diverseVsNarrow.diff.value!.lo).toBeGreaterThan(0);
    expect(diverseVsNarrow.diff.value!.p).toBeLessThan(0.01);
    expect([diverseVsItself.a, diverseVsItself.b]).toEqual([0, 2]);
    expect(diverseVsItself.diff.value).toMatchObject({ mean: 0, lo: 0, hi: 0, p: 1 });
    expect(narrowVsDiverse.diff.value!.mean).toBeCloseTo(-diverseVsNarrow.diff.value!.mean, 14);
  });

  it('takes the exact swap test for a few items: two items never reach p < 0.05, eight clearly different ones do', () => {
    const [two] = pairedCosineDistanceDifferences([unitRows(diverse.slice(0, 2)), unitRows(narrow.slice(0, 2))], { seed: 1 });
    // Swapping both items' answers gives the same |difference|: at least 2 of the 4 swaps.
    expect(two.diff.value!.p).toBeGreaterThanOrEqual(0.5);
    // Eight orthogonal answers against eight that all lean on a ninth, shared direction.
    const spread = Array.from({ length: 8 }, (_, i) => Array.from({ length: 9 }, (_, k) => (k === i ? 1 : 0)));
    const alike = Array.from({ length: 8 }, (_, i) => Array.from({ length: 9 }, (_, k) => (k === 8 ? 5 : k === i ? 0.1 : 0)));
    const [eight] = pairedCosineDistanceDifferences([unitRows(spread), unitRows(alike)], { seed: 1 });
    expect(eight.diff.value!.mean).toBeGreaterThan(0.5);
    // Only the identity and the full swap are as extreme: 2 of 256.
    expect(eight.diff.value!.p).toBeCloseTo(2 / 256, 12);
  });

  it('names what is missing: sets of different items refuse, a set of one answer has no difference', () => {
    expect(() => pairedCosineDistanceDifferences([unitRows(diverse), unitRows(narrow.slice(1))])).toThrow(/same items/);
    const [one] = pairedCosineDistanceDifferences([unitRows([[1, 0]]), unitRows([[0, 1]])]);
    expect(one.diff.reason).toMatch(/two/);
    expect([hasDirection([0, 0]), hasDirection(undefined), hasDirection([0, 2])]).toEqual([false, false, true]);
  });
});
