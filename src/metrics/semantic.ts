/**
 * Semantic diversity of sentence embeddings (the paper used all-MiniLM-L6-v2).
 * Vectors are L2-normalised first; zero vectors have no direction and are left out (counted).
 */
import { mulberry32 } from '../util/rng.js';
import { systemBlas, type Blas } from './blas.js';
import { symmetricEigenvalues } from './eigen.js';
import { gramMatrix, gramMatrixOnThreads } from './gram.js';
import { bootstrapP, percentile, type MeanInterval, type PairedComparison, type ResampleOptions } from './stats.js';
import { unitMatrix, type UnitRows } from './unit-rows.js';
import { defined, undefinedBecause, type MetricValue } from './value.js';

export { hasDirection, unitRows, type UnitRows } from './unit-rows.js';

/**
 * Mean pairwise cosine distance, 1 − mean_{i<j} cos(x_i, x_j), in O(n·d) through
 * Σ_{i≠j} u_i·u_j = |Σ u_i|² − Σ |u_i|² for unit vectors u.
 */
export function meanPairwiseCosineDistance(units: UnitRows): MetricValue {
  const { vectors, scales, n, d } = units;
  if (n < 2) return undefinedBecause('needs at least two non-zero vectors');
  const sum = new Float64Array(d);
  // Four rows at a time, each scaled to unit length as it is read: each sum[k] is read and
  // written once for the four (its terms still added row by row), and each row's squares go to
  // a running sum of their own.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const [v0, v1, v2, v3] = [vectors[i], vectors[i + 1], vectors[i + 2], vectors[i + 3]];
    const [x0, x1, x2, x3] = [scales[i], scales[i + 1], scales[i + 2], scales[i + 3]];
    for (let k = 0; k < d; k++) {
      const a = v0[k] * x0;
      const b = v1[k] * x1;
      const c = v2[k] * x2;
      const e = v3[k] * x3;
      sum[k] = sum[k] + a + b + c + e;
      s0 += a * a;
      s1 += b * b;
      s2 += c * c;
      s3 += e * e;
    }
  }
  for (; i < n; i++) {
    const [v, x] = [vectors[i], scales[i]];
    for (let k = 0; k < d; k++) {
      const a = v[k] * x;
      sum[k] += a;
      s0 += a * a;
    }
  }
  let total = 0;
  for (let k = 0; k < d; k++) total += sum[k] * sum[k];
  return defined(1 - (total - (s0 + s1 + s2 + s3)) / (n * (n - 1)));
}

/**
 * Draws n responses with replacement: `copies[i]` is how often response i was drawn, and the
 * return value Σ copies² (the ordered pairs of a draw with itself or with another copy of it).
 */
function drawCopies(rand: () => number, copies: Int32Array): number {
  const n = copies.length;
  copies.fill(0);
  let sameResponse = 0;
  for (let i = 0; i < n; i++) sameResponse += 2 * copies[Math.floor(rand() * n)]++ + 1;
  return sameResponse;
}

/**
 * The mean cosine distance over the pairs of distinct responses of one resample. Pairs of a
 * response with its own copy would add distance 0 and pull every resample below the point
 * value by a factor 1 − 1/n. With w_i copies of response i and s = Σ w_i u_i, the other pairs
 * sum to (|s|² − Σ w_i²) / 2 and number (n² − Σ w_i²) / 2: O(n·d), no n × n matrix. A resample
 * of one response repeated n times has no pair to measure: it counts as the point value.
 */
function resampledDistance(rows: Float64Array, d: number, copies: Int32Array, sameResponse: number, point: number, sum: Float64Array): number {
  const n = copies.length;
  if (sameResponse === n * n) return point;
  sum.fill(0);
  for (let i = 0; i < n; i++) {
    const w = copies[i];
    if (w === 0) continue;
    const o = i * d;
    for (let k = 0; k < d; k++) sum[k] += w * rows[o + k];
  }
  let total = 0;
  for (let k = 0; k < d; k++) total += sum[k] * sum[k];
  return 1 - (total - sameResponse) / (n * n - sameResponse);
}

/** Called as resamples finish, with the resamples done and in all. */
export type ResampleProgress = (done: number, total: number) => void;

/** Mean pairwise cosine distance with a seeded bootstrap percentile interval over responses. */
export function bootstrapMeanCosineDistance(units: UnitRows, opts: ResampleOptions = {}, onProgress?: ResampleProgress): MetricValue<MeanInterval> {
  const point = meanPairwiseCosineDistance(units);
  if (point.reason !== null) return point;
  const rand = mulberry32(opts.seed ?? 42);
  const alpha = 1 - (opts.level ?? 0.95);
  const resampled = new Float64Array(opts.resamples ?? 2000);
  const copies = new Int32Array(units.n);
  const sum = new Float64Array(units.d);
  // Every resample reads every row: the unit rows once, whole.
  const rows = unitMatrix(units);
  for (let r = 0; r < resampled.length; r++) {
    resampled[r] = resampledDistance(rows, units.d, copies, drawCopies(rand, copies), point.value, sum);
    onProgress?.(r + 1, resampled.length);
  }
  resampled.sort();
  return defined({ mean: point.value, lo: percentile(resampled, alpha / 2), hi: percentile(resampled, 1 - alpha / 2), n: units.n });
}

/**
 * Paired differences of mean pairwise cosine distance between sets of answers to the same
 * items (row k of every set answers item k): each resample draws the items once and measures
 * every set on that draw, so the item-to-item variation the sets share cancels in their
 * differences. Returns, for every pair i < j, set i − set j with its percentile interval and
 * the two-sided bootstrap p of a zero difference, as `pairedBootstrap` gives for per-item means
 * (for a few items, the exact swap test's p instead).
 */
export function pairedCosineDistanceDifferences(
  sets: readonly UnitRows[],
  opts: ResampleOptions = {},
  onProgress?: ResampleProgress,
): { a: number; b: number; diff: MetricValue<PairedComparison> }[] {
  const n = sets[0]?.n ?? 0;
  for (const [i, u] of sets.entries()) {
    if (u.n !== n || u.d !== sets[0].d) throw new Error(`paired cosine distances need the same items in every set: set ${i} has ${u.n} × ${u.d}, set 0 ${n} × ${sets[0].d}`);
  }
  const points = sets.map((u) => meanPairwiseCosineDistance(u));
  const resamples = opts.resamples ?? 2000;
  const rand = mulberry32(opts.seed ?? 42);
  const copies = new Int32Array(n);
  const sum = new Float64Array(sets[0]?.d ?? 0);
  const draws = sets.map(() => new Float64Array(resamples));
  if (points.every((p) => p.reason === null)) {
    const matrices = sets.map(unitMatrix);
    for (let r = 0; r < resamples; r++) {
      const same = drawCopies(rand, copies);
      sets.forEach((u, i) => (draws[i][r] = resampledDistance(matrices[i], u.d, copies, same, points[i].value!, sum)));
      onProgress?.(r + 1, resamples);
    }
  }
  const alpha = 1 - (opts.level ?? 0.95);
  const out: { a: number; b: number; diff: MetricValue<PairedComparison> }[] = [];
  for (let a = 0; a < sets.length; a++) {
    for (let b = a + 1; b < sets.length; b++) {
      const [pa, pb] = [points[a], points[b]];
      if (pa.reason !== null || pb.reason !== null) {
        out.push({ a, b, diff: undefinedBecause(pa.reason ?? pb.reason!) });
        continue;
      }
      const diffs = Float64Array.from(draws[a], (x, r) => x - draws[b][r]).sort();
      const observed = pa.value - pb.value;
      const p = n <= EXACT_SWAPS_UP_TO ? exactSwapP(sets[a], sets[b], observed) : bootstrapP(diffs);
      out.push({ a, b, diff: defined({ mean: observed, lo: percentile(diffs, alpha / 2), hi: percentile(diffs, 1 - alpha / 2), n, p }) });
    }
  }
  return out;
}

/**
 * Up to this many items the p-value is the exact swap test's: a bootstrap of a few items
 * cannot spread (two items give every resample the point value, so p ≈ 0.001 for any difference).
 */
const EXACT_SWAPS_UP_TO = 10;

/**
 * Two-sided p of "a and b are exchangeable within every item": over all 2^n ways to swap the
 * two answers of each item, the share whose difference in mean cosine distance is at least as
 * far from 0 as the observed one.
 */
function exactSwapP(a: UnitRows, b: UnitRows, observed: number): number {
  const { n, d } = a;
  const tol = 1e-12 * Math.max(1, Math.abs(observed));
  const swapped = (mask: number, first: UnitRows, second: UnitRows): UnitRows => {
    const from = (i: number) => (mask & (1 << i) ? second : first);
    return { vectors: first.vectors.map((_, i) => from(i).vectors[i]), scales: first.scales.map((_, i) => from(i).scales[i]), n, d, zeroVectors: 0 };
  };
  let hits = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    const diff = meanPairwiseCosineDistance(swapped(mask, a, b)).value! - meanPairwiseCosineDistance(swapped(mask, b, a)).value!;
    if (Math.abs(diff) >= Math.abs(observed) - tol) hits++;
  }
  return hits / (1 << n);
}

/** Which phase of a Vendi score is running, with its rows done and in all. */
export type VendiProgress = (phase: 'gram' | 'eigenvalues', done: number, total: number) => void;

/** exp of the Shannon entropy of the eigenvalues (0 ln 0 = 0; rounding-level negatives count as 0). */
function exponentiatedEntropy(eigen: ArrayLike<number>): number {
  let entropy = 0;
  for (let i = 0; i < eigen.length; i++) if (eigen[i] > 0) entropy -= eigen[i] * Math.log(eigen[i]);
  return Math.exp(entropy);
}

/**
 * Vendi score (Friedman & Dieng 2023): exp(−Σ λ ln λ) over the eigenvalues λ of K / n, K the
 * cosine-similarity matrix (0 ln 0 = 0). Ranges from 1 (all identical) to n (all orthogonal).
 * The eigenvalues come from the n × n K / n, or, when `form` is 'dual' or 'auto' with n > d,
 * from the d × d Uᵀ·U / n, which has the same non-zero ones. The similarity matrix comes from
 * the machine's BLAS (blas.ts) when it has one, else from gram.ts (always, with `blas` null).
 */
export function vendiScore(units: UnitRows, form: 'auto' | 'primal' | 'dual' = 'auto', onProgress?: VendiProgress, blas = systemBlas()): MetricValue {
  if (units.n === 0) return undefinedBecause('no non-zero vectors');
  const dual = usesDual(units, form);
  const gram = gramMatrix(units, dual, onProgress && ((done, total) => onProgress('gram', done, total)), blas);
  return defined(vendiOf(gram, dual ? units.d : units.n, blas, onProgress));
}

/** Below this many multiply-adds the similarity matrix takes less time than starting threads. */
const THREADS_FROM = 2e8;

/**
 * vendiScore as the diversity step runs it: with the machine's BLAS, on the calling thread (blas.ts
 * says why); without it, the similarity matrix (most of the work on many vectors) on `threads`
 * worker threads (default: one per core) when it is big enough to gain from them. The same value
 * to the last bit either way.
 */
export async function vendiScoreOnThreads(
  units: UnitRows,
  opts: { form?: 'auto' | 'primal' | 'dual'; threads?: number; signal?: AbortSignal; onProgress?: VendiProgress; blas?: Blas | null } = {},
): Promise<MetricValue> {
  if (units.n === 0) return undefinedBecause('no non-zero vectors');
  const { onProgress } = opts;
  const blas = opts.blas === undefined ? systemBlas() : opts.blas;
  const dual = usesDual(units, opts.form ?? 'auto');
  const size = dual ? units.d : units.n;
  if ((size * size * (dual ? units.n : units.d)) / 2 < THREADS_FROM) return vendiScore(units, dual ? 'dual' : 'primal', onProgress, blas);
  const gram = await gramMatrixOnThreads(units, dual, {
    threads: opts.threads,
    signal: opts.signal,
    onProgress: onProgress && ((done, total) => onProgress('gram', done, total)),
    blas,
  });
  return defined(vendiOf(gram, size, blas, onProgress));
}

const usesDual = (units: UnitRows, form: 'auto' | 'primal' | 'dual') => form === 'dual' || (form === 'auto' && units.n > units.d);

/** exp of the entropy of the Gram matrix's eigenvalues: LAPACK's from the BLAS when it has them (reported done in one step), else eigen.ts's. */
function vendiOf(gram: Float64Array, size: number, blas: Blas | null, onProgress?: VendiProgress): number {
  if (blas?.eigenvalues) {
    const eigen = blas.eigenvalues(gram, size);
    onProgress?.('eigenvalues', size, size);
    return exponentiatedEntropy(eigen);
  }
  return exponentiatedEntropy(symmetricEigenvalues(gram, size, onProgress && ((done, total) => onProgress('eigenvalues', done, total))));
}
