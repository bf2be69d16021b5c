import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadBlas, systemBlas } from '../../src/metrics/blas.js';
import { gramMatrix, gramMatrixOnThreads } from '../../src/metrics/gram.js';
import { symmetricEigenvalues } from '../../src/metrics/eigen.js';
import { vendiScore, vendiScoreOnThreads } from '../../src/metrics/semantic.js';
import { mulberry32 } from '../../src/util/rng.js';
import { WorkerPool } from '../../src/util/worker-pool.js';
import { runCli } from '../cli/cli.js';
import { clusteredUnits as clustered } from './fixtures/clustered.js';

const blas = systemBlas();
/** Said in every name below, so a machine without the library shows why they skipped. */
const needs = blas ? `on ${blas.name}` : 'SKIPPED: no system BLAS loads (apt-get install libopenblas0-pthread, or unset BASKETS_BLAS=off)';

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

  it.skipIf(!blas)(`gives the Vendi score of our own kernels, the dual form's similarity rows reported a block at a time (${needs})`, () => {
    const u = clustered(1300, 64, 2);
    const seen: string[] = [];
    const theirs = vendiScore(u, 'auto', (phase, done, total) => seen.push(`${phase} ${done}/${total}`), blas).value!;
    expect(Math.abs(theirs - vendiScore(u, 'auto', undefined, null).value!) / theirs).toBeLessThan(1e-12);
    expect(seen).toEqual(['gram 512/1300', 'gram 1024/1300', 'gram 1300/1300', 'eigenvalues 64/64']);
    expect(Math.abs(vendiScore(u, 'primal', undefined, blas).value! - theirs) / theirs).toBeLessThan(1e-10);
  });

  it.skipIf(!blas?.eigenvalues)(`takes its eigenvalues from LAPACK, as eigen.ts finds them to rounding, leaving the matrix as it was (${needs})`, () => {
    const u = clustered(300, 120, 8);
    const gram = gramMatrix(u, true, undefined, blas);
    const before = Float64Array.from(gram);
    const lapack = blas!.eigenvalues!(gram, 120);
    expect(sameBits(gram, before)).toBe(true);
    expect(maxRelative(lapack, symmetricEigenvalues(gram, 120))).toBeLessThan(1e-13);
    expect([...lapack]).toEqual([...lapack].sort((a, b) => a - b));
    expect(() => blas!.eigenvalues!(gram, 119)).toThrow(/119×119/);
  });

  it.skipIf(!blas)(`gives every worker thread computing Vendi scores at once the calling thread's value to the last bit (${needs})`, async () => {
    // What the diversity step does: one condition per thread, each calling the library (held at
    // one thread of its own, so LAPACK's sums cannot change under another caller).
    const shapes = [
      { n: 3000, d: 384, seed: 3 },
      { n: 2500, d: 300, seed: 4 },
      { n: 400, d: 500, seed: 5 },
      { n: 3000, d: 256, seed: 6 },
    ];
    const pool = new WorkerPool(new URL('./fixtures/vendi-worker.ts', import.meta.url), shapes.length);
    try {
      const onThreads = await Promise.all(shapes.map((shape) => pool.run<number[]>({ ...shape, times: 4 })));
      shapes.forEach(({ n, d, seed }, i) => {
        const here = vendiScore(clustered(n, d, seed), 'auto', undefined, blas).value;
        expect(onThreads[i], `${n} × ${d}`).toEqual(Array(4).fill(here));
      });
    } finally {
      pool.close();
    }
  });

  it.skipIf(!blas)(`gives baskets metrics the same Vendi score to the last bit whatever threads OpenBLAS is told to start with (${needs})`, () => {
    // A machine's core count reaches OpenBLAS as its default thread count; LAPACK's sums follow it
    // unless held at one, and the score would then change from machine to machine.
    const r = mulberry32(5);
    const centres = Array.from({ length: 8 }, () => Array.from({ length: 384 }, () => r() - 0.5));
    const records = Array.from({ length: 900 }, (_, i) => JSON.stringify({ response: `answer ${i}`, embedding: centres[i % 8].map((x) => x + (r() - 0.5) * 0.4) }));
    const file = join(mkdtempSync(join(tmpdir(), 'baskets-blas-')), 'embeddings.jsonl');
    writeFileSync(file, records.join('\n') + '\n');
    const vendi = (threads: number) => {
      const run = runCli(['metrics', file, '--json'], { OPENBLAS_NUM_THREADS: String(threads) });
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout).semantic.vendi as number;
    };
    const one = vendi(1);
    expect(one).toBeGreaterThan(1);
    for (const threads of [2, 4]) expect(vendi(threads), `${threads} threads`).toBe(one);
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

  const serial = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/openblas-serial/libopenblas.so.0`;
  it.skipIf(!existsSync(serial))(`refuses OpenBLAS's single-threaded build, which calls from several threads at once corrupt, and takes the next (${existsSync(serial) ? serial : `SKIPPED: no ${serial} (apt-get install libopenblas0-serial)`})`, () => {
    expect(loadBlas([serial])).toBeNull();
    if (blas) expect(loadBlas([serial, 'libopenblas.so.0'])?.name).toContain('libopenblas.so.0');
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
