/**
 * Vocabulary growth and Heaps' law V(n) = K · n^β over a token stream.
 */
import { defined, undefinedBecause, type MetricValue } from './value.js';

/** V(n) for n = 1..N: `curve[n − 1]` is the number of distinct tokens among the first n. */
export function vocabularyCurve(tokens: readonly string[]): Int32Array {
  const seen = new Set<string>();
  const curve = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    seen.add(tokens[i]);
    curve[i] = seen.size;
  }
  return curve;
}

export interface HeapsFit {
  k: number;
  beta: number;
  /** Coefficient of determination of the fit, in the space it was fitted in. */
  r2: number;
  points: number;
}

/** Least squares of ln V on ln n over the given points; R² in log space. */
function logLogFit(ns: ArrayLike<number>, vs: ArrayLike<number>): HeapsFit {
  const m = ns.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < m; i++) {
    const x = Math.log(ns[i]);
    const y = Math.log(vs[i]);
    sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y;
  }
  const varX = sxx - (sx * sx) / m;
  const covXY = sxy - (sx * sy) / m;
  const varY = syy - (sy * sy) / m;
  const beta = covXY / varX;
  const lnK = (sy - beta * sx) / m;
  // All points on one horizontal line (V constant) are fitted exactly.
  const r2 = varY === 0 ? 1 : (covXY * covXY) / (varX * varY);
  return { k: Math.exp(lnK), beta, r2, points: m };
}

/**
 * Heaps' law by log-log least squares over every prefix n = 1..N of the stream.
 */
export function heapsLogLog(curve: Int32Array): MetricValue<HeapsFit> {
  if (curve.length < 2) return undefinedBecause('needs at least 2 tokens');
  const ns = new Float64Array(curve.length);
  for (let i = 0; i < ns.length; i++) ns[i] = i + 1;
  return defined(logLogFit(ns, curve));
}

/**
 * Heaps' law by the paper's recipe: V sampled every `step` tokens (n = step, 2·step, … ≤ N)
 * and V = K·n^β fitted by nonlinear least squares in V space (Levenberg–Marquardt, as scipy's
 * `curve_fit`), started from the log-log fit of the same points; R² in V space. The paper
 * tokenised with NLTK's `word_tokenize`; here the stream is whatever tokens are given.
 */
export function heapsPaper(curve: Int32Array, step = 1000): MetricValue<HeapsFit> {
  const m = Math.floor(curve.length / step);
  if (m < 2) return undefinedBecause(`needs at least ${2 * step} tokens (V is sampled every ${step})`);
  const ns = new Float64Array(m);
  const vs = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    ns[i] = (i + 1) * step;
    vs[i] = curve[(i + 1) * step - 1];
  }
  const start = logLogFit(ns, vs);
  const { k, beta } = levenbergMarquardt(ns, vs, start.k, start.beta);
  let mean = 0;
  for (const v of vs) mean += v / m;
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < m; i++) {
    ssRes += (vs[i] - k * ns[i] ** beta) ** 2;
    ssTot += (vs[i] - mean) ** 2;
  }
  return defined({ k, beta, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot, points: m });
}

function sumSquares(ns: Float64Array, vs: Float64Array, k: number, beta: number): number {
  let s = 0;
  for (let i = 0; i < ns.length; i++) s += (vs[i] - k * ns[i] ** beta) ** 2;
  return s;
}

/** Levenberg–Marquardt on the two parameters of K·n^β (2 × 2 normal equations). */
function levenbergMarquardt(ns: Float64Array, vs: Float64Array, k0: number, beta0: number): { k: number; beta: number } {
  let k = k0;
  let beta = beta0;
  let cost = sumSquares(ns, vs, k, beta);
  let lambda = 1e-3;
  for (let iter = 0; iter < 500; iter++) {
    // J columns: ∂f/∂K = n^β, ∂f/∂β = K·n^β·ln n; residual r = V − f.
    let a11 = 0, a12 = 0, a22 = 0, g1 = 0, g2 = 0;
    for (let i = 0; i < ns.length; i++) {
      const p = ns[i] ** beta;
      const j1 = p;
      const j2 = k * p * Math.log(ns[i]);
      const r = vs[i] - k * p;
      a11 += j1 * j1; a12 += j1 * j2; a22 += j2 * j2;
      g1 += j1 * r; g2 += j2 * r;
    }
    let improved = false;
    while (lambda < 1e16) {
      const b11 = a11 * (1 + lambda);
      const b22 = a22 * (1 + lambda);
      const det = b11 * b22 - a12 * a12;
      const dk = (g1 * b22 - g2 * a12) / det;
      const db = (b11 * g2 - a12 * g1) / det;
      const next = sumSquares(ns, vs, k + dk, beta + db);
      if (next < cost) {
        const relative = (cost - next) / Math.max(cost, Number.MIN_VALUE);
        k += dk;
        beta += db;
        cost = next;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (relative < 1e-15 || (Math.abs(dk) <= 1e-12 * Math.abs(k) && Math.abs(db) <= 1e-12 * Math.abs(beta))) return { k, beta };
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return { k, beta };
}

/** About `maxPoints` (n, V) points spaced evenly in log n, always including the first and last, for charts. */
export function curvePoints(curve: Int32Array, maxPoints = 200): { n: number; v: number }[] {
  const total = curve.length;
  if (total === 0) return [];
  const picks = new Set<number>([1, total]);
  for (let i = 0; i < maxPoints; i++) picks.add(Math.round(Math.exp((Math.log(total) * i) / Math.max(1, maxPoints - 1))));
  return [...picks].filter((n) => n >= 1 && n <= total).sort((a, b) => a - b).map((n) => ({ n, v: curve[n - 1] }));
}
