/**
 * Semantic diversity of sentence embeddings (the paper used all-MiniLM-L6-v2).
 * Vectors are L2-normalised first; zero vectors have no direction and are left out (counted).
 */
import { mulberry32 } from '../util/rng.js';
import { symmetricEigenvalues } from './eigen.js';
import { percentile, type MeanInterval, type ResampleOptions } from './stats.js';
import { defined, undefinedBecause, type MetricValue } from './value.js';

export interface UnitRows {
  /** n × d row-major unit vectors. */
  rows: Float64Array;
  n: number;
  d: number;
  zeroVectors: number;
}

export function unitRows(vectors: readonly ArrayLike<number>[]): UnitRows {
  const d = vectors[0]?.length ?? 0;
  const rows = new Float64Array(vectors.length * d);
  let n = 0;
  vectors.forEach((v, i) => {
    if (v.length !== d) throw new Error(`embedding ${i} has ${v.length} dimensions but embedding 0 has ${d}; all vectors must come from one model`);
    let norm = 0;
    for (let k = 0; k < d; k++) norm += v[k] * v[k];
    let scale = 1;
    if (norm === Infinity) {
      // Squares past 1e154 overflow: measure the vector scaled by its largest entry instead.
      for (let k = 0; k < d; k++) scale = Math.max(scale, Math.abs(v[k]));
      norm = 0;
      for (let k = 0; k < d; k++) norm += (v[k] / scale) ** 2;
    }
    if (!(norm > 0) || !Number.isFinite(norm)) return;
    const inv = 1 / Math.sqrt(norm);
    for (let k = 0; k < d; k++) rows[n * d + k] = (scale === 1 ? v[k] : v[k] / scale) * inv;
    n++;
  });
  return { rows: rows.subarray(0, n * d), n, d, zeroVectors: vectors.length - n };
}

/**
 * Mean pairwise cosine distance, 1 − mean_{i<j} cos(x_i, x_j), in O(n·d) through
 * Σ_{i≠j} u_i·u_j = |Σ u_i|² − Σ |u_i|² for unit vectors u.
 */
export function meanPairwiseCosineDistance(units: UnitRows): MetricValue {
  const { rows, n, d } = units;
  if (n < 2) return undefinedBecause('needs at least two non-zero vectors');
  const sum = new Float64Array(d);
  let selfDots = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < d; k++) {
      sum[k] += rows[o + k];
      selfDots += rows[o + k] * rows[o + k];
    }
  }
  let total = 0;
  for (let k = 0; k < d; k++) total += sum[k] * sum[k];
  return defined(1 - (total - selfDots) / (n * (n - 1)));
}

/**
 * Mean pairwise cosine distance with a seeded bootstrap percentile interval over responses:
 * each resample draws n responses with replacement and averages the distance over its pairs
 * of distinct responses. (Pairs of a response with its own copy would add distance 0 and pull
 * every resample below the point value by a factor 1 − 1/n.) With w_i copies of response i
 * and s = Σ w_i u_i, those pairs sum to (|s|² − Σ w_i²) / 2 and number (n² − Σ w_i²) / 2, so
 * each resample costs O(n·d) with no n × n matrix.
 */
export function bootstrapMeanCosineDistance(units: UnitRows, opts: ResampleOptions = {}): MetricValue<MeanInterval> {
  const point = meanPairwiseCosineDistance(units);
  if (point.reason !== null) return point;
  const { rows, n, d } = units;
  const rand = mulberry32(opts.seed ?? 42);
  const alpha = 1 - (opts.level ?? 0.95);
  const resampled = new Float64Array(opts.resamples ?? 2000);
  const sum = new Float64Array(d);
  const copies = new Int32Array(n);
  for (let r = 0; r < resampled.length; r++) {
    sum.fill(0);
    copies.fill(0);
    let sameResponse = 0;
    for (let i = 0; i < n; i++) {
      const pick = Math.floor(rand() * n);
      sameResponse += 2 * copies[pick]++ + 1;
      const o = pick * d;
      for (let k = 0; k < d; k++) sum[k] += rows[o + k];
    }
    let total = 0;
    for (let k = 0; k < d; k++) total += sum[k] * sum[k];
    // A resample of one response repeated n times has no pair to measure: it counts as the point value.
    resampled[r] = sameResponse === n * n ? point.value : 1 - (total - sameResponse) / (n * n - sameResponse);
  }
  resampled.sort();
  return defined({ mean: point.value, lo: percentile(resampled, alpha / 2), hi: percentile(resampled, 1 - alpha / 2), n });
}

/** Gram matrix U·Uᵀ / n (n × n): the cosine-similarity matrix K over n. */
function primalGram(units: UnitRows): Float64Array {
  const { rows, n, d } = units;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += rows[i * d + k] * rows[j * d + k];
      g[i * n + j] = g[j * n + i] = dot / n;
    }
  }
  return g;
}

/** Dual Gram Uᵀ·U / n (d × d): the same non-zero eigenvalues as K / n, built row by row. */
function dualGram(units: UnitRows): Float64Array {
  const { rows, n, d } = units;
  const g = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let a = 0; a < d; a++) {
      const ua = rows[o + a];
      if (ua === 0) continue;
      const ga = a * d;
      for (let b = a; b < d; b++) g[ga + b] += ua * rows[o + b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) g[b * d + a] = g[a * d + b] = g[a * d + b] / n;
  }
  return g;
}

/**
 * Vendi score (Friedman & Dieng 2023): exp(−Σ λ ln λ) over the eigenvalues λ of K / n, K the
 * cosine-similarity matrix (0 ln 0 = 0). Ranges from 1 (all identical) to n (all orthogonal).
 * `form: 'auto'` uses the d × d dual Uᵀ·U / n when n > d.
 */
export function vendiScore(units: UnitRows, form: 'auto' | 'primal' | 'dual' = 'auto'): MetricValue {
  const { n, d } = units;
  if (n === 0) return undefinedBecause('no non-zero vectors');
  const dual = form === 'dual' || (form === 'auto' && n > d);
  const size = dual ? d : n;
  const eigen = symmetricEigenvalues(dual ? dualGram(units) : primalGram(units), size);
  let entropy = 0;
  for (const l of eigen) if (l > 0) entropy -= l * Math.log(l);
  return defined(Math.exp(entropy));
}
