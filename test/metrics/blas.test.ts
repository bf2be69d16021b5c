import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadBlas, systemBlas } from '../../src/metrics/blas.js';
import { gramMatrix, gramMatrixOnThreads } from '../../src/metrics/gram.js';
import { unitRows, vendiScore, vendiScoreOnThreads } from '../../src/metrics/semantic.js';
import { mulberry32 } from '../../src/util/rng.js';

const blas = systemBlas();
/** Said in every name below, so a machine without the library shows why they skipped. */
const needs = blas ? `on ${blas.name}` : 'SKIPPED: no system BLAS loads (apt-get install libopenblas0-pthread, or unset BASKETS_BLAS=off)';

/** n clustered vectors of d dimensions, as sentence embeddings are. */
function clustered(n: number, d: number, seed: number) {
  const r = mulberry32(seed);
  const centres = Array.from({ length: 8 }, () => Float32Array.from({ length: d }, () => r() - 0.5));
  return unitRows(Array.from({ length: n }, () => Float32Array.from(centres[Math.floor(r() * centres.length)], (x) => x + (r() - 0.5) * 0.4)));
}

const maxRelative = (a: Float64Array, b: Float64Array) => {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
};
const sameBits = (a: Float64Array, b: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('the Gram matrix on the machine’s BLAS', () => {
  it.skipIf(!blas)(`equals our own kernel's to rounding, dual and primal (${needs})`, () => {
    const u = clustered(700, 96, 1);
    for (const dual of [true, false]) {
      const ours = gramMatrix(u, dual, undefined, null);
      const theirs = gramMatrix(u, dual, undefined, blas);
      expect(theirs.length).toBe(ours.length);
      expect(maxRelative(theirs, ours)).toBeLessThan(1e-13);
    }
  });

  it.skipIf(!blas)(`gives the Vendi score of our own kernel, its similarity rows reported done in one step (${needs})`, () => {
    const u = clustered(400, 64, 2);
    const seen: string[] = [];
    const theirs = vendiScore(u, 'auto', (phase, done, total) => seen.push(`${phase} ${done}/${total}`), blas).value!;
    expect(Math.abs(theirs - vendiScore(u, 'auto', undefined, null).value!) / theirs).toBeLessThan(1e-12);
    expect(seen[0]).toBe('gram 64/64');
    expect(seen.at(-1)).toBe('eigenvalues 64/64');
    expect(Math.abs(vendiScore(u, 'primal', undefined, blas).value! - theirs) / theirs).toBeLessThan(1e-10);
  });

  it.skipIf(!blas)(`gives the same Gram matrix and Vendi score to the last bit on 1, 2, 3 and 4 threads (${needs})`, async () => {
    // 6,000 × 384: big enough for OpenBLAS to split the work over its threads.
    const u = clustered(6000, 384, 3);
    const one = await gramMatrixOnThreads(u, true, { threads: 1, blas });
    for (const threads of [2, 3, 4]) expect(sameBits(await gramMatrixOnThreads(u, true, { threads, blas }), one), `${threads} threads`).toBe(true);
    const primal = clustered(1200, 384, 7);
    expect(sameBits(await gramMatrixOnThreads(primal, false, { threads: 2, blas }), await gramMatrixOnThreads(primal, false, { threads: 1, blas }))).toBe(true);
    const vendi = (await vendiScoreOnThreads(u, { threads: 1, blas })).value;
    expect((await vendiScoreOnThreads(u, { threads: 2, blas })).value).toBe(vendi);
    expect(vendiScore(u, 'auto', undefined, blas).value).toBe(vendi);
  });

  it.skipIf(!blas)(`is not called when the signal has already aborted (${needs})`, async () => {
    const abort = new AbortController();
    abort.abort(new Error('stop'));
    await expect(gramMatrixOnThreads(clustered(20, 4, 4), true, { signal: abort.signal, blas })).rejects.toThrow('stop');
  });
});

describe('without the library', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('loads nothing from a missing path and says so by null, without throwing', () => {
    expect(loadBlas(['/nonexistent/libopenblas-missing.so.0'])).toBeNull();
  });

  it('follows BASKETS_BLAS: a missing library or off leaves no BLAS, and the Vendi score falls back to our own kernels', async () => {
    const u = clustered(50, 7, 6);
    for (const value of ['/nonexistent/libopenblas-missing.so.0', 'off']) {
      vi.stubEnv('BASKETS_BLAS', value);
      vi.resetModules();
      const fresh = await import('../../src/metrics/blas.js');
      expect(fresh.systemBlas(), value).toBeNull();
      const seen: string[] = [];
      const vendi = (await import('../../src/metrics/semantic.js')).vendiScore(u, 'auto', (phase, done, total) => seen.push(`${phase} ${done}/${total}`));
      expect(vendi.value).toBe(vendiScore(u, 'auto', undefined, null).value);
      expect(seen.at(-1)).toBe('eigenvalues 7/7');
      expect(seen).toContain('gram 2/2'); // our kernel's row blocks, not the library's one step
    }
  });

  it('computes the Vendi score on our own kernels when told blas null', async () => {
    const u = clustered(2000, 200, 5);
    const rows: number[] = [];
    const threaded = await vendiScoreOnThreads(u, { threads: 2, blas: null, onProgress: (phase, done) => phase === 'gram' && rows.push(done) });
    expect(threaded.value).toBe(vendiScore(u, 'auto', undefined, null).value);
    expect(rows.at(-1)).toBe(8 * 50); // our kernel's progress: 8 column blocks × 50 blocks of four rows
  });
});
