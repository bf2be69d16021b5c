/**
 * Eigenvalues of a real symmetric matrix: Householder reduction to tridiagonal form, then the
 * implicit QL method with Wilkinson shifts (the eigenvalue-only paths of LAPACK's dsytrd and
 * dsterf, as in EISPACK's tred1/tql1). O(4/3·n³) for the reduction and O(n²) for QL, backward
 * stable: every eigenvalue is within a few ulps of the matrix norm of the exact one, as numpy's
 * eigvalsh is. No eigenvectors are formed, which is all the Vendi score needs.
 */

/** Called after each Householder column with the columns done and the columns in all. */
export type EigenProgress = (done: number, total: number) => void;

/**
 * Reduces the symmetric `a` (n × n, row-major, overwritten) to tridiagonal form: `diag` gets its
 * diagonal, `off[k]` the entry between rows k and k + 1. Only the lower triangle is read and
 * updated (half the work of the full square), always along contiguous rows.
 */
function tridiagonalise(a: Float64Array, n: number, diag: Float64Array, off: Float64Array, onProgress?: EigenProgress): void {
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const start = k + 1;
    // The Householder reflector I − β·v·vᵀ that zeroes column k below its subdiagonal.
    let scale = 0;
    for (let i = start; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + k]));
    if (scale === 0) {
      off[k] = 0;
      onProgress?.(k + 1, n);
      continue;
    }
    let sigma = 0;
    for (let i = start; i < n; i++) {
      v[i] = a[i * n + k] / scale;
      sigma += v[i] * v[i];
    }
    const x0 = v[start];
    const alpha = x0 >= 0 ? -Math.sqrt(sigma) : Math.sqrt(sigma);
    off[k] = alpha * scale;
    v[start] = x0 - alpha;
    const vv = sigma - x0 * x0 + v[start] * v[start];
    if (vv === 0) {
      onProgress?.(k + 1, n);
      continue;
    }
    const beta = 2 / vv;
    // p = β·A₂₂·v (each stored entry a_ij, j < i, serves row i and, mirrored, row j), then
    // w = p − (β/2)(pᵀv)·v, and A₂₂ ← A₂₂ − v·wᵀ − w·vᵀ on the lower triangle.
    symmetricTimes(a, n, start, v, w);
    let pv = 0;
    for (let i = start; i < n; i++) {
      w[i] *= beta;
      pv += w[i] * v[i];
    }
    const half = (beta / 2) * pv;
    for (let i = start; i < n; i++) w[i] -= half * v[i];
    rankTwoUpdate(a, n, start, v, w);
    onProgress?.(k + 1, n);
  }
  for (let i = 0; i < n; i++) diag[i] = a[i * n + i];
  if (n >= 2) off[n - 2] = a[(n - 1) * n + n - 2];
  off[n - 1] = 0;
  onProgress?.(n, n);
}

/**
 * w[start, n) = A₂₂·v from the lower triangle of `a`, four rows at a time: four independent
 * running sums (one alone waits on each add) and one load of v[j] and w[j] for all four. Every
 * entry still gets its terms in the order of one row at a time (w[j]: row j's sum, then rows
 * j + 1, j + 2, …), so the result is the same to the last bit.
 */
function symmetricTimes(a: Float64Array, n: number, start: number, v: Float64Array, w: Float64Array): void {
  for (let i = start; i < n; i++) w[i] = 0;
  let i = start;
  for (; i + 3 < n; i += 4) {
    const [r0, r1, r2, r3] = [i * n, (i + 1) * n, (i + 2) * n, (i + 3) * n];
    const [v0, v1, v2, v3] = [v[i], v[i + 1], v[i + 2], v[i + 3]];
    let s0 = a[r0 + i] * v0;
    let s1 = a[r1 + i + 1] * v1;
    let s2 = a[r2 + i + 2] * v2;
    let s3 = a[r3 + i + 3] * v3;
    for (let j = start; j < i; j++) {
      const a0 = a[r0 + j];
      const a1 = a[r1 + j];
      const a2 = a[r2 + j];
      const a3 = a[r3 + j];
      const vj = v[j];
      s0 += a0 * vj;
      s1 += a1 * vj;
      s2 += a2 * vj;
      s3 += a3 * vj;
      w[j] = w[j] + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
    }
    // The 4 × 4 block on the diagonal, row by row.
    w[i] += s0;
    s1 += a[r1 + i] * v0;
    w[i] += a[r1 + i] * v1;
    w[i + 1] += s1;
    s2 += a[r2 + i] * v0;
    w[i] += a[r2 + i] * v2;
    s2 += a[r2 + i + 1] * v1;
    w[i + 1] += a[r2 + i + 1] * v2;
    w[i + 2] += s2;
    s3 += a[r3 + i] * v0;
    w[i] += a[r3 + i] * v3;
    s3 += a[r3 + i + 1] * v1;
    w[i + 1] += a[r3 + i + 1] * v3;
    s3 += a[r3 + i + 2] * v2;
    w[i + 2] += a[r3 + i + 2] * v3;
    w[i + 3] += s3;
  }
  for (; i < n; i++) {
    const row = i * n;
    const vi = v[i];
    let s = a[row + i] * vi;
    for (let j = start; j < i; j++) {
      const aij = a[row + j];
      s += aij * v[j];
      w[j] += aij * vi;
    }
    w[i] += s;
  }
}

/** A₂₂ ← A₂₂ − v·wᵀ − w·vᵀ on the lower triangle of `a` from row `start`, four rows sharing each load of v[j] and w[j]. */
function rankTwoUpdate(a: Float64Array, n: number, start: number, v: Float64Array, w: Float64Array): void {
  let i = start;
  for (; i + 3 < n; i += 4) {
    const [r0, r1, r2, r3] = [i * n, (i + 1) * n, (i + 2) * n, (i + 3) * n];
    const [v0, v1, v2, v3] = [v[i], v[i + 1], v[i + 2], v[i + 3]];
    const [w0, w1, w2, w3] = [w[i], w[i + 1], w[i + 2], w[i + 3]];
    for (let j = start; j <= i; j++) {
      const vj = v[j];
      const wj = w[j];
      a[r0 + j] -= v0 * wj + w0 * vj;
      a[r1 + j] -= v1 * wj + w1 * vj;
      a[r2 + j] -= v2 * wj + w2 * vj;
      a[r3 + j] -= v3 * wj + w3 * vj;
    }
    // The rest of the 4 × 4 block on the diagonal.
    for (let r = 1; r < 4; r++) {
      const row = (i + r) * n;
      for (let j = i + 1; j <= i + r; j++) a[row + j] -= v[i + r] * w[j] + w[i + r] * v[j];
    }
  }
  for (; i < n; i++) {
    const row = i * n;
    for (let j = start; j <= i; j++) a[row + j] -= v[i] * w[j] + w[i] * v[j];
  }
}

/**
 * √(a² + b²) without overflow, as LAPACK's dlapy2 takes it: Math.hypot, which takes any number of
 * arguments, costs most of the QL iteration's time.
 */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const big = x > y ? x : y;
  const small = x > y ? y : x;
  if (big === 0 || big === Infinity) return big;
  const ratio = small / big;
  return big * Math.sqrt(1 + ratio * ratio);
}

/** Eigenvalues of the symmetric tridiagonal (diag, off) by implicit QL; `diag` is overwritten with them. */
function tridiagonalQL(diag: Float64Array, off: Float64Array, n: number): void {
  // An off-diagonal entry below ε·‖T‖ splits the matrix (as JAMA's tql2 does): a test relative to
  // the two diagonal entries alone can cycle forever among the rounding-level eigenvalues of a
  // rank-deficient Gram matrix.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]) + Math.abs(off[i]) + (i > 0 ? Math.abs(off[i - 1]) : 0));
  const negligible = Number.EPSILON * norm;
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        if (Math.abs(off[m]) <= negligible) break;
      }
      if (m === l) break;
      if (iter === 60) throw new Error('the symmetric eigenvalue iteration did not converge in 60 steps (the matrix holds NaN or Infinity?)');
      let g = (diag[l + 1] - diag[l]) / (2 * off[l]);
      let r = hypot(g, 1);
      g = diag[m] - diag[l] + off[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * off[i];
        const b = c * off[i];
        r = hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          // An underflowed rotation: the matrix splits here; deflate and go on.
          diag[i + 1] -= p;
          off[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = diag[i + 1] - p;
        r = (diag[i] - g) * s + 2 * c * b;
        p = s * r;
        diag[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      diag[l] -= p;
      off[l] = g;
      off[m] = 0;
    }
  }
}

/** The eigenvalues of the symmetric `matrix` (size × size, row-major), ascending. */
export function symmetricEigenvalues(matrix: Float64Array, size: number, onProgress?: EigenProgress): Float64Array {
  if (matrix.length !== size * size) throw new Error(`expected a ${size}×${size} matrix, got ${matrix.length} entries`);
  const diag = new Float64Array(size);
  const off = new Float64Array(size);
  tridiagonalise(Float64Array.from(matrix), size, diag, off, onProgress);
  tridiagonalQL(diag, off, size);
  return diag.sort();
}
