/**
 * The machine's BLAS, when it has a fast one, called through the koffi FFI: OpenBLAS (Debian's
 * libopenblas0-pthread) or Apple's Accelerate. Its kernels use the widest SIMD the CPU has
 * (AVX-512 FMA: eight doubles per instruction), which no JavaScript or 128-bit WebAssembly kernel
 * reaches, so it takes the Gram matrix of the Vendi score. Reference BLAS (libblas.so.3 alone) is
 * slower than gram.ts and is never loaded. Without a library, or with BASKETS_BLAS=off,
 * `systemBlas()` is null and callers keep to gram.ts.
 *
 * The eigenvalues stay on eigen.ts although LAPACK's dsyev is faster: its sums depend on the
 * number of threads, and OpenBLAS's thread count is one setting for the whole process, which
 * another worker thread's Gram matrix may change in the middle of the call.
 */
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

export interface Blas {
  /** The library loaded, with OpenBLAS's build configuration when it gives one. */
  name: string;
  /**
   * The sums of A·Aᵀ (or Aᵀ·A with `transpose`) for the row-major rows × cols `a`, on and above
   * the diagonal of the size × size row-major result (size = rows, or cols with `transpose`);
   * below it is left 0. `threads` sets the library's threads where it can (OpenBLAS; Accelerate
   * picks its own): OpenBLAS splits the result, not the sums, so every entry is the same to the
   * last bit whatever their number.
   */
  syrkUpper(a: Float64Array, rows: number, cols: number, transpose: boolean, threads: number): Float64Array;
}

// CBLAS's enumerations.
const ROW_MAJOR = 101;
const UPPER = 121;
const NO_TRANS = 111;
const TRANS = 112;

/** Where each platform keeps a fast BLAS, first found first taken. */
function candidates(): string[] {
  if (process.platform === 'darwin') {
    return ['/System/Library/Frameworks/Accelerate.framework/Accelerate', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib'];
  }
  if (process.platform === 'win32') return ['libopenblas.dll'];
  return ['libopenblas.so.0', 'libopenblasp.so.0', 'libopenblas.so'];
}

function bind(koffi: typeof Koffi, path: string): Blas {
  const lib = koffi.load(path);
  const dsyrk = lib.func('void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha, const double *a, int lda, double beta, double *c, int ldc)');
  const optional = (signature: string) => {
    try {
      return lib.func(signature);
    } catch {
      return undefined;
    }
  };
  const setThreads = optional('void openblas_set_num_threads(int n)');
  const config = optional('const char *openblas_get_config()');
  return {
    name: config ? `${path} (${config() as string})` : path,
    syrkUpper(a, rows, cols, transpose, threads) {
      const size = transpose ? cols : rows;
      const c = new Float64Array(size * size);
      setThreads?.(Math.max(1, threads));
      dsyrk(ROW_MAJOR, UPPER, transpose ? TRANS : NO_TRANS, size, transpose ? rows : cols, 1, a, cols, 0, c, size);
      return c;
    },
  };
}

/** Whether `blas` computes a known case right: a library with other integer widths or conventions answers wrong, or not at all. */
function answersRight(blas: Blas): boolean {
  const c = blas.syrkUpper(Float64Array.of(1, 2, 3, 4), 2, 2, true, 1);
  return c[0] === 10 && c[1] === 14 && c[2] === 0 && c[3] === 20;
}

/**
 * The first of `paths` that loads and answers right, or null; never throws. koffi is required
 * here rather than imported so that a platform without its native binary loses only this.
 */
export function loadBlas(paths: readonly string[] = candidates()): Blas | null {
  let koffi: typeof Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
  } catch {
    return null;
  }
  for (const path of paths) {
    try {
      const blas = bind(koffi, path);
      if (answersRight(blas)) return blas;
    } catch {
      // Not there, or not a CBLAS: try the next.
    }
  }
  return null;
}

let probed: Blas | null | undefined;

/** The machine's BLAS, probed once: BASKETS_BLAS names the library to load instead, or `off` for none. */
export function systemBlas(): Blas | null {
  if (probed === undefined) {
    const chosen = process.env.BASKETS_BLAS;
    probed = chosen === 'off' ? null : loadBlas(chosen ? [chosen] : undefined);
  }
  return probed;
}
