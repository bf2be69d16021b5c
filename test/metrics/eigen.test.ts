import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { symmetricEigenvalues } from '../../src/metrics/eigen.js';
import { mulberry32 } from '../../src/util/rng.js';
import { realPython, runPython } from '../helpers/python.js';

/** Q·diag(λ)·Qᵀ for a random orthogonal Q (a product of Householder reflections): a matrix of known spectrum. */
function withSpectrum(lambda: readonly number[], seed: number): Float64Array {
  const n = lambda.length;
  const rand = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = lambda[i];
  for (let r = 0; r < 3; r++) {
    const v = Array.from({ length: n }, () => rand() - 0.5);
    const vv = v.reduce((s, x) => s + x * x, 0);
    // A ← H·A·H with H = I − 2vvᵀ/vᵀv: rows, then columns.
    for (let j = 0; j < n; j++) {
      const dot = v.reduce((s, x, i) => s + x * a[i * n + j], 0) * (2 / vv);
      for (let i = 0; i < n; i++) a[i * n + j] -= dot * v[i];
    }
    for (let i = 0; i < n; i++) {
      const dot = v.reduce((s, x, j) => s + x * a[i * n + j], 0) * (2 / vv);
      for (let j = 0; j < n; j++) a[i * n + j] -= dot * v[j];
    }
  }
  return a;
}

/** Largest |ours − expected| over the spectrum, relative to the largest |eigenvalue|. */
function relativeError(ours: Float64Array, expected: readonly number[]): number {
  const sorted = [...expected].sort((x, y) => x - y);
  const scale = Math.max(...sorted.map(Math.abs));
  return Math.max(...sorted.map((x, i) => Math.abs(ours[i] - x))) / scale;
}

/** A Gram matrix X·Xᵀ / n of n random rows of length d (rank min(n, d)), as Vendi builds. */
function gram(n: number, d: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const x = Array.from({ length: n * d }, () => rand() - 0.5);
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * x[j * d + k];
      g[i * n + j] = s / n;
    }
  }
  return g;
}

describe('symmetric eigenvalues (Householder tridiagonalisation + implicit QL)', () => {
  it('finds the spectrum of small known matrices, ascending', () => {
    expect(Array.from(symmetricEigenvalues(Float64Array.from([2, 1, 1, 2]), 2)).map((x) => +x.toFixed(14))).toEqual([1, 3]);
    expect(Array.from(symmetricEigenvalues(Float64Array.from([5]), 1))).toEqual([5]);
    expect(Array.from(symmetricEigenvalues(new Float64Array(9), 3))).toEqual([0, 0, 0]);
  });

  it('finds the known eigenvalues 2 − 2cos(kπ/(n+1)) of the path Laplacian', () => {
    const n = 60;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
    }
    const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    expect(relativeError(symmetricEigenvalues(a, n), expected)).toBeLessThan(1e-13);
  });

  it('recovers a chosen spectrum, with repeated, negative, zero and widely spread eigenvalues', () => {
    const lambda = [1e3, 1e3, 1e3, -7, 0, 0, 0, 1e-6, 2.5, 42, -1e3, 3, 3, 0.125, 9, 17];
    expect(relativeError(symmetricEigenvalues(withSpectrum(lambda, 4), lambda.length), lambda)).toBeLessThan(1e-13);
    const many = Array.from({ length: 150 }, (_, i) => (i % 7 === 0 ? 0 : Math.sin(i) * 10));
    expect(relativeError(symmetricEigenvalues(withSpectrum(many, 9), many.length), many)).toBeLessThan(1e-13);
  });

  it('converges on a rank-deficient Gram matrix (most eigenvalues at rounding level)', () => {
    const e = symmetricEigenvalues(gram(120, 10, 3), 120);
    expect(e.filter((x) => Math.abs(x) > 1e-12 * e[119])).toHaveLength(10);
  });

  it('reports its Householder columns as they finish, ending at the size', () => {
    const seen: number[] = [];
    symmetricEigenvalues(gram(12, 12, 1), 12, (done, total) => {
      expect(total).toBe(12);
      seen.push(done);
    });
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.every((d, i) => i === 0 || d > seen[i - 1])).toBe(true);
    expect(seen.at(-1)).toBe(12);
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => symmetricEigenvalues(new Float64Array(5), 2)).toThrow('expected a 2×2 matrix, got 5 entries');
  });
});

const py = realPython(['numpy']);
const skip = typeof py === 'string' ? py : undefined;

describe.skipIf(skip)(skip ? `agreement with numpy.linalg.eigvalsh — SKIPPED: ${skip}` : 'agreement with numpy.linalg.eigvalsh', () => {
  it('agrees to 1e-9 of the largest eigenvalue on Gram matrices of full and deficient rank, and on an indefinite matrix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eigvalsh-'));
    const rand = mulberry32(12);
    const indefinite = new Float64Array(90 * 90);
    for (let i = 0; i < 90; i++) for (let j = 0; j <= i; j++) indefinite[i * 90 + j] = indefinite[j * 90 + i] = rand() - 0.5;
    const cases: [string, Float64Array, number][] = [
      ['full', gram(200, 256, 5), 200],
      ['deficient', gram(150, 40, 6), 150],
      ['indefinite', indefinite, 90],
    ];
    for (const [name, m, n] of cases) {
      const file = join(dir, `${name}.f64`);
      writeFileSync(file, m);
      runPython(py as Exclude<typeof py, string>, `import sys, numpy as np; a = np.fromfile(sys.argv[1]).reshape(${n}, ${n}); np.linalg.eigvalsh(a).tofile(sys.argv[1] + '.w')`, [file]);
      const bytes = readFileSync(`${file}.w`);
      const numpy = Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, n));
      expect(relativeError(symmetricEigenvalues(m, n), numpy), name).toBeLessThan(1e-9);
    }
  });
});
