/**
 * Embeddings as unit vectors without copying them: the vectors with a direction, as given, and
 * what each is multiplied by to make it unit length. Every consumer reads row i as
 * vectors[i] × scales[i], in one pass or a block at a time (`forEachUnitBlock`), so 15,000 × 384
 * embeddings never become a second 46 MB matrix: a fresh Float64Array that size costs more in
 * page faults (about 20 ms) than the sums over it.
 */

export interface UnitRows {
  /** The vectors with a direction, in their order. */
  vectors: readonly ArrayLike<number>[];
  /** 1 / |vectors[i]|: row i of the unit matrix is vectors[i] × scales[i]. */
  scales: Float64Array;
  n: number;
  d: number;
  /** The vectors left out: zero, or with NaN or infinite entries. */
  zeroVectors: number;
}

export function unitRows(vectors: readonly ArrayLike<number>[]): UnitRows {
  const d = vectors[0]?.length ?? 0;
  const kept: ArrayLike<number>[] = [];
  const scales = new Float64Array(vectors.length);
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i];
    if (v.length !== d) throw new Error(`embedding ${i} has ${v.length} dimensions but embedding 0 has ${d}; all vectors must come from one model`);
    const scale = inverseNorm(v);
    if (scale === 0) continue;
    scales[kept.length] = scale;
    kept.push(v);
  }
  return { vectors: kept, scales: scales.slice(0, kept.length), n: kept.length, d, zeroVectors: vectors.length - kept.length };
}

/** Whether a vector has a direction to measure (`unitRows` leaves out those that do not). */
export function hasDirection(v: ArrayLike<number> | undefined): boolean {
  return v !== undefined && v.length > 0 && inverseNorm(v) !== 0;
}

/** 1 / |v|, or 0 when v has no direction (zero, NaN or infinite entries). */
function inverseNorm(v: ArrayLike<number>): number {
  const d = v.length;
  // Four running sums: one alone would wait on each add before the next.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    s0 += v[k] * v[k];
    s1 += v[k + 1] * v[k + 1];
    s2 += v[k + 2] * v[k + 2];
    s3 += v[k + 3] * v[k + 3];
  }
  for (; k < d; k++) s0 += v[k] * v[k];
  let norm = s0 + s1 + s2 + s3;
  let largest = 1;
  if (norm === Infinity) {
    // Squares past 1e154 overflow: measure the vector divided by its largest entry instead.
    for (k = 0; k < d; k++) largest = Math.max(largest, Math.abs(v[k]));
    norm = 0;
    for (k = 0; k < d; k++) norm += (v[k] / largest) ** 2;
  }
  if (!(norm > 0) || !Number.isFinite(norm)) return 0;
  return 1 / largest / Math.sqrt(norm);
}

/**
 * Writes unit rows first … first + count − 1 to `out` (row-major, from row 0 of `out`): each
 * vector copied by `Float64Array.set` (native, float32 widened exactly), then multiplied by its scale.
 */
export function fillUnitRows(units: UnitRows, first: number, count: number, out: Float64Array): void {
  const { vectors, scales, d } = units;
  for (let r = 0; r < count; r++) {
    const o = r * d;
    out.set(vectors[first + r], o);
    const s = scales[first + r];
    for (let k = o; k < o + d; k++) out[k] *= s;
  }
}

/** All n unit rows as one n × d row-major matrix, for the few uses that need them at once. */
export function unitMatrix(units: UnitRows): Float64Array {
  const out = new Float64Array(units.n * units.d);
  fillUnitRows(units, 0, units.n, out);
  return out;
}

/** Rows a block of unit rows holds: 512 × 384 doubles (1.5 MB) stay in the cache between their fill and their use. */
export const UNIT_BLOCK_ROWS = 512;

/** Calls `use` on the unit rows a block at a time, in order, from one reused buffer. */
export function forEachUnitBlock(units: UnitRows, use: (block: Float64Array, first: number, count: number) => void): void {
  const block = new Float64Array(Math.min(UNIT_BLOCK_ROWS, units.n) * units.d);
  for (let first = 0; first < units.n; first += UNIT_BLOCK_ROWS) {
    const count = Math.min(UNIT_BLOCK_ROWS, units.n - first);
    fillUnitRows(units, first, count, block);
    use(block, first, count);
  }
}
