/**
 * Eigenvalues of a real symmetric matrix by the cyclic Jacobi method (plane rotations until
 * the off-diagonal mass vanishes). Plain Float64Array arithmetic: accurate to rounding for the
 * few-hundred-dimensional Gram matrices of sentence embeddings, with no dependency.
 */
export function symmetricEigenvalues(matrix: Float64Array, size: number, maxSweeps = 60): Float64Array {
  if (matrix.length !== size * size) throw new Error(`expected a ${size}×${size} matrix, got ${matrix.length} entries`);
  const a = Float64Array.from(matrix);
  let diagNorm = 0;
  for (let i = 0; i < size; i++) diagNorm += a[i * size + i] ** 2;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < size; p++) for (let q = p + 1; q < size; q++) off += a[p * size + q] ** 2;
    if (off === 0 || off <= 1e-30 * (diagNorm + 2 * off)) break;
    for (let p = 0; p < size - 1; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q];
        if (apq === 0) continue;
        const app = a[p * size + p];
        const aqq = a[q * size + q];
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          if (k === p || k === q) continue;
          const akp = a[k * size + p];
          const akq = a[k * size + q];
          const newP = c * akp - s * akq;
          const newQ = s * akp + c * akq;
          a[k * size + p] = a[p * size + k] = newP;
          a[k * size + q] = a[q * size + k] = newQ;
        }
        a[p * size + p] = app - t * apq;
        a[q * size + q] = aqq + t * apq;
        a[p * size + q] = a[q * size + p] = 0;
      }
    }
  }
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = a[i * size + i];
  return out;
}
