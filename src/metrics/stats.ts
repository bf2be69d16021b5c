/**
 * Seeded resampling statistics: every per-item mean carries a bootstrap 95% interval, and two
 * conditions measured on the same items are compared pairwise (DESIGN.md §1, Statistics).
 */
import { mulberry32 } from '../util/rng.js';
import { defined, undefinedBecause, type MetricValue } from './value.js';

export interface MeanInterval {
  mean: number;
  lo: number;
  hi: number;
  /** Items the mean rests on. */
  n: number;
}

export interface ResampleOptions {
  seed?: number;
  /** Bootstrap resamples or random permutations (default 2000 / 10000). */
  resamples?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Percentile with linear interpolation between order statistics (numpy's default). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Means of `resamples` bootstrap resamples of `values` (drawn with replacement), sorted. */
function bootstrapMeans(values: ArrayLike<number>, opts: ResampleOptions): Float64Array {
  const rand = mulberry32(opts.seed ?? 42);
  const n = values.length;
  const out = new Float64Array(opts.resamples ?? 2000);
  for (let r = 0; r < out.length; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rand() * n)];
    out[r] = s / n;
  }
  return out.sort();
}

/** The mean of `values` with a seeded bootstrap percentile interval. */
export function bootstrapMean(values: ArrayLike<number>, opts: ResampleOptions = {}): MetricValue<MeanInterval> {
  if (values.length === 0) return undefinedBecause('no items');
  const alpha = 1 - (opts.level ?? 0.95);
  const means = bootstrapMeans(values, opts);
  return defined({ mean: mean(values), lo: percentile(means, alpha / 2), hi: percentile(means, 1 - alpha / 2), n: values.length });
}

/** The standard normal quantile at 0.975: the 95% two-sided level every interval here uses. */
const Z95 = 1.959963984540054;

/**
 * A share of 0/1 items with its 95% interval: the seeded bootstrap, except where every item
 * agrees (0 of 30, 30 of 30). Then every resample is the same and the bootstrap gives [0, 0], as
 * if 30 items settled it; the Wilson score interval says how far the true share could still be
 * (0 of 30: [0, 11.4%]).
 */
export function bootstrapShare(values: ArrayLike<number>, opts: ResampleOptions = {}): MetricValue<MeanInterval> {
  const boot = bootstrapMean(values, opts);
  if (boot.reason !== null || (opts.level ?? 0.95) !== 0.95) return boot;
  const n = values.length;
  const k = Array.from(values).reduce((s, x) => s + x, 0);
  if (k !== 0 && k !== n) return boot;
  const reach = (Z95 * Z95) / (n + Z95 * Z95);
  return defined({ ...boot.value, lo: k === 0 ? 0 : 1 - reach, hi: k === 0 ? reach : 1 });
}

export interface PairedComparison extends MeanInterval {
  /** Two-sided p-value for "the mean difference is 0". */
  p: number;
}

function differences(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new Error(`paired comparison needs one value per item in both conditions; got ${a.length} and ${b.length}`);
  return Float64Array.from({ length: a.length }, (_, i) => a[i] - b[i]);
}

/**
 * Paired bootstrap of mean(a − b): items are resampled together; the interval is the
 * percentile interval of the resampled differences and p = 2 · (k + 1) / (R + 1), capped at 1,
 * where k = min(#{d* ≤ 0}, #{d* ≥ 0}) of the R resamples: R resamples cannot show p = 0, only
 * p below about 2 / R.
 */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, opts: ResampleOptions = {}): MetricValue<PairedComparison> {
  const d = differences(a, b);
  if (d.length === 0) return undefinedBecause('no paired items');
  const alpha = 1 - (opts.level ?? 0.95);
  const means = bootstrapMeans(d, opts);
  return defined({ mean: mean(d), lo: percentile(means, alpha / 2), hi: percentile(means, 1 - alpha / 2), n: d.length, p: bootstrapP(means) });
}

/** Two-sided p of a zero difference from bootstrap draws of the difference: twice the smaller tail, with the +1 correction. */
export function bootstrapP(draws: ArrayLike<number>): number {
  let atOrBelow = 0;
  let atOrAbove = 0;
  for (let i = 0; i < draws.length; i++) {
    if (draws[i] <= 0) atOrBelow++;
    if (draws[i] >= 0) atOrAbove++;
  }
  return Math.min(1, (2 * (Math.min(atOrBelow, atOrAbove) + 1)) / (draws.length + 1));
}

/**
 * Paired permutation (sign-flip) test of mean(a − b) = 0: under the null each difference is
 * equally likely to have either sign. Exact over all 2^n sign patterns for n ≤ 16; otherwise
 * `resamples` random patterns with p = (hits + 1) / (resamples + 1). Two-sided.
 */
export function pairedPermutationTest(a: ArrayLike<number>, b: ArrayLike<number>, opts: ResampleOptions = {}): MetricValue<number> {
  const d = differences(a, b);
  const n = d.length;
  if (n === 0) return undefinedBecause('no paired items');
  const observed = Math.abs(mean(d));
  // Differences within rounding of the observed value count as "at least as extreme".
  const tol = 1e-12 * Math.max(1, observed);
  if (n <= 16) {
    let hits = 0;
    const patterns = 1 << n;
    for (let mask = 0; mask < patterns; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -d[i] : d[i];
      if (Math.abs(s / n) >= observed - tol) hits++;
    }
    return defined(hits / patterns);
  }
  const rand = mulberry32(opts.seed ?? 42);
  const resamples = opts.resamples ?? 10000;
  let hits = 0;
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rand() < 0.5 ? -d[i] : d[i];
    if (Math.abs(s / n) >= observed - tol) hits++;
  }
  return defined((hits + 1) / (resamples + 1));
}
