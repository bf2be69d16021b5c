/**
 * The Gram matrix of Vendi (U·Uᵀ / n, or the dual Uᵀ·U / n): the machine's BLAS (dsyrk, blas.ts)
 * on the calling thread when it has one, else a cache-blocked dot-product kernel on Float64Array
 * that can be split over threads. Each thread owns whole blocks of four rows of the result and
 * sums every entry in the same order as a single thread would, so either way the matrix is the
 * same to the last bit whatever the number of threads (the two ways differ from each other in the
 * last bits).
 */
import { availableParallelism } from 'node:os';
import { runWorkerJob, workerModule } from '../util/worker-job.js';
import { systemBlas, type Blas } from './blas.js';
import { fillUnitRows, forEachUnitBlock, unitMatrix, type UnitRows } from './unit-rows.js';

/** Columns of the dot-product kernel per pass: the rows' slices of one pass stay in cache. */
const DOT_BLOCK = 256;

/** The rows whose dot products make the matrix: count × len, row count padded with zero rows to a multiple of 4. */
export interface DotRows {
  m: Float64Array;
  count: number;
  len: number;
}

/** U (n × d) as it is, or Uᵀ (d × n) for the dual form; `shared` puts it where worker threads can read it. */
function dotRows(units: UnitRows, dual: boolean, shared = false): DotRows {
  const { n, d } = units;
  const [count, len] = dual ? [d, n] : [n, d];
  const size = Math.ceil(count / 4) * 4 * len;
  const m = shared ? new Float64Array(new SharedArrayBuffer(size * 8)) : new Float64Array(size);
  if (dual) {
    forEachUnitBlock(units, (block, first, rows) => {
      for (let r = 0; r < rows; r++) for (let k = 0; k < d; k++) m[k * n + first + r] = block[r * d + k];
    });
  } else fillUnitRows(units, 0, n, m);
  return { m, count, len };
}

const padOf = (count: number) => Math.ceil(count / 4) * 4;

/**
 * Adds to `g` (padded × padded) the dot products on and above the diagonal of the row blocks
 * `part`, `part + parts`, … of `rows`: four rows against two per step (eight running sums from
 * six loads), over column blocks of DOT_BLOCK so the rows being read stay in cache.
 */
export function accumulateDots(rows: DotRows, g: Float64Array, part = 0, parts = 1, onProgress?: (done: number, total: number) => void): void {
  const { m, count, len } = rows;
  const padded = padOf(count);
  const blocks = Math.ceil(len / DOT_BLOCK);
  const mine = Math.ceil((padded / 4 - part) / parts);
  let done = 0;
  for (let block = 0; block < blocks; block++) {
    const k0 = block * DOT_BLOCK;
    const k1 = Math.min(len, k0 + DOT_BLOCK);
    for (let i = part * 4; i < padded; i += 4 * parts) {
      const o1 = i * len;
      const o2 = o1 + len;
      const o3 = o2 + len;
      const o4 = o3 + len;
      for (let j = i; j < padded; j += 2) {
        const p1 = j * len;
        const p2 = p1 + len;
        let a11 = 0;
        let a12 = 0;
        let a21 = 0;
        let a22 = 0;
        let a31 = 0;
        let a32 = 0;
        let a41 = 0;
        let a42 = 0;
        for (let k = k0; k < k1; k++) {
          const x = m[p1 + k];
          const y = m[p2 + k];
          const r1 = m[o1 + k];
          const r2 = m[o2 + k];
          const r3 = m[o3 + k];
          const r4 = m[o4 + k];
          a11 += r1 * x;
          a12 += r1 * y;
          a21 += r2 * x;
          a22 += r2 * y;
          a31 += r3 * x;
          a32 += r3 * y;
          a41 += r4 * x;
          a42 += r4 * y;
        }
        const q = i * padded + j;
        g[q] += a11;
        g[q + 1] += a12;
        g[q + padded] += a21;
        g[q + padded + 1] += a22;
        g[q + 2 * padded] += a31;
        g[q + 2 * padded + 1] += a32;
        g[q + 3 * padded] += a41;
        g[q + 3 * padded + 1] += a42;
      }
      onProgress?.(++done, blocks * mine);
    }
  }
}

/** The count × count symmetric matrix from the upper triangle of the sums (rows `stride` apart), divided by `divisor`. */
function symmetricFromUpper(g: Float64Array, count: number, divisor: number, stride = padOf(count)): Float64Array {
  const out = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = i; j < count; j++) out[i * count + j] = out[j * count + i] = g[i * stride + j] / divisor;
  }
  return out;
}

/**
 * The Gram matrix by the library's dsyrk. The dual form adds up the unit rows a block at a time,
 * never holding all of them, and reports the rows done after each block; the primal one (n ≤ d,
 * so U is no bigger than the result) takes U whole and reports done in one step.
 */
function gramOnBlas(units: UnitRows, dual: boolean, blas: Blas, onProgress?: (done: number, total: number) => void): Float64Array {
  const { n, d } = units;
  const size = dual ? d : n;
  const sums = new Float64Array(size * size);
  if (dual) {
    forEachUnitBlock(units, (block, first, rows) => {
      blas.syrkUpper(block, rows, d, true, sums);
      onProgress?.(first + rows, n);
    });
  } else {
    blas.syrkUpper(unitMatrix(units), n, d, false, sums);
    onProgress?.(n, n);
  }
  return symmetricFromUpper(sums, size, n, size);
}

/** The Gram matrix on the calling thread (the library's; `blas` null: always our kernel). */
export function gramMatrix(units: UnitRows, dual: boolean, onProgress?: (done: number, total: number) => void, blas = systemBlas()): Float64Array {
  if (blas) return gramOnBlas(units, dual, blas, onProgress);
  const rows = dotRows(units, dual);
  const g = new Float64Array(padOf(rows.count) ** 2);
  accumulateDots(rows, g, 0, 1, onProgress);
  return symmetricFromUpper(g, rows.count, units.n);
}

/**
 * The same matrix with our row blocks shared out over `threads` worker threads (default: every
 * core), which an abort of `signal` terminates; the library's stays on the calling thread (blas.ts
 * says why).
 */
export async function gramMatrixOnThreads(
  units: UnitRows,
  dual: boolean,
  opts: { threads?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void; blas?: Blas | null } = {},
): Promise<Float64Array> {
  const blas = opts.blas === undefined ? systemBlas() : opts.blas;
  if (blas) {
    opts.signal?.throwIfAborted();
    const gram = gramOnBlas(units, dual, blas, opts.onProgress);
    opts.signal?.throwIfAborted();
    return gram;
  }
  const rows = dotRows(units, dual, true);
  const g = new Float64Array(new SharedArrayBuffer(padOf(rows.count) ** 2 * 8));
  const parts = Math.max(1, Math.min(opts.threads ?? availableParallelism(), padOf(rows.count) / 4));
  const done = new Array<number>(parts).fill(0);
  const total = Math.ceil(rows.len / DOT_BLOCK) * (padOf(rows.count) / 4);
  await Promise.all(
    Array.from({ length: parts }, (_, part) =>
      runWorkerJob(workerModule(import.meta.url, 'gram-worker'), { rows, g, part, parts } satisfies GramJob, {
        signal: opts.signal,
        onProgress: (_phase, d) => {
          done[part] = d;
          opts.onProgress?.(
            done.reduce((a, x) => a + x, 0),
            total,
          );
        },
      }),
    ),
  );
  return symmetricFromUpper(g, rows.count, units.n);
}

/** What a gram-worker thread computes: its share of the row blocks, into the shared `g`. */
export interface GramJob {
  rows: DotRows;
  g: Float64Array;
  part: number;
  parts: number;
}
