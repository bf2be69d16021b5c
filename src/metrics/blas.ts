/**
 * The machine's BLAS, when it has a fast one, called through the koffi FFI: OpenBLAS (Debian's
 * libopenblas0-pthread) or Apple's Accelerate. Its kernels use the widest SIMD the CPU has
 * (AVX-512 FMA: eight doubles per instruction), which no JavaScript or 128-bit WebAssembly kernel
 * reaches, so it takes the Gram matrix of the Vendi score and, from OpenBLAS, its eigenvalues
 * (LAPACK's dsyevd). Reference BLAS (libblas.so.3 alone) is slower than gram.ts and is never
 * loaded. Without a library, or with BASKETS_BLAS=off, `systemBlas()` is null and callers keep to
 * gram.ts and eigen.ts.
 *
 * OpenBLAS runs on one thread for the whole process. LAPACK's sums depend on the number of
 * threads, and OpenBLAS 0.3.21 (Debian bookworm) has one thread count per process, not per call,
 * so a worker thread raising it for its Gram matrix would change the bits of another's
 * eigenvalues mid-call. The parallelism is ours instead: the diversity step's pool runs one
 * condition per core, each calling the library on its own thread, which OpenBLAS's threaded
 * build serves safely (its single-threaded build, libopenblas0-serial, does not: concurrent
 * calls there gave wrong eigenvalues, so it is not a candidate).
 */
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

export interface Blas {
  /** The library loaded, with OpenBLAS's build configuration when it gives one. */
  name: string;
  /**
   * Adds to `sums` the sums of A·Aᵀ (or Aᵀ·A with `transpose`) for the row-major rows × cols `a`,
   * on and above the diagonal of the size × size row-major `sums` (size = rows, or cols with
   * `transpose`); below it is left as it was.
   */
  syrkUpper(a: Float64Array, rows: number, cols: number, transpose: boolean, sums: Float64Array): void;
  /**
   * The eigenvalues of the symmetric `matrix` (size × size; `matrix` is left as it was),
   * ascending, by LAPACK's dsyevd; null where the library's threads cannot be held at one
   * (Accelerate), whose sums could then differ from run to run.
   */
  eigenvalues: ((matrix: Float64Array, size: number) => Float64Array) | null;
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
  // Debian's threaded build by its own path too, for when the system's choice is the single-threaded one.
  const debian = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/openblas-pthread/libopenblas.so.0`;
  return ['libopenblas.so.0', 'libopenblasp.so.0', debian, 'libopenblas.so'];
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
  const parallel = optional('int openblas_get_parallel()');
  if (parallel?.() === 0) throw new Error(`${path} is a single-threaded OpenBLAS build, which calls from several threads at once corrupt`);
  const config = optional('const char *openblas_get_config()');
  // Fortran's calling convention: every argument by address, then the lengths of the character ones.
  const dsyevd = setThreads && optional('void dsyevd_(const char *jobz, const char *uplo, const int *n, _Inout_ double *a, const int *lda, _Out_ double *w, _Out_ double *work, const int *lwork, _Out_ int *iwork, const int *liwork, _Out_ int *info, size_t jobzLength, size_t uploLength)');
  setThreads?.(1);
  return {
    name: config ? `${path} (${config() as string})` : path,
    syrkUpper(a, rows, cols, transpose, sums) {
      const size = transpose ? cols : rows;
      dsyrk(ROW_MAJOR, UPPER, transpose ? TRANS : NO_TRANS, size, transpose ? rows : cols, 1, a, cols, 1, sums, size);
    },
    eigenvalues: dsyevd
      ? (matrix, size) => {
          if (matrix.length !== size * size) throw new Error(`expected a ${size}×${size} matrix, got ${matrix.length} entries`);
          const a = Float64Array.from(matrix);
          const w = new Float64Array(size);
          const info = new Int32Array(1);
          // 'N': eigenvalues only (dsytrd, then dsterf). A first call with lengths −1 asks for the work space.
          const work = new Float64Array(1);
          const iwork = new Int32Array(1);
          dsyevd('N', 'L', [size], a, [size], w, work, [-1], iwork, [-1], info, 1, 1);
          const [lwork, liwork] = [Math.max(1, Math.ceil(work[0])), Math.max(1, iwork[0])];
          dsyevd('N', 'L', [size], a, [size], w, new Float64Array(lwork), [lwork], new Int32Array(liwork), [liwork], info, 1, 1);
          if (info[0] !== 0) throw new Error(`LAPACK dsyevd failed (info ${info[0]}) on a ${size}×${size} matrix`);
          return w;
        }
      : null,
  };
}

/** Whether `blas` computes a known case right: a library with other integer widths or conventions answers wrong, or not at all. */
function answersRight(blas: Blas): boolean {
  const c = new Float64Array(4);
  blas.syrkUpper(Float64Array.of(1, 2, 3, 4), 2, 2, true, c);
  if (!(c[0] === 10 && c[1] === 14 && c[2] === 0 && c[3] === 20)) return false;
  // A LAPACK that answers wrong or fails leaves the eigenvalues on eigen.ts and keeps the BLAS.
  try {
    const w = blas.eigenvalues?.(Float64Array.of(2, 1, 1, 2), 2);
    if (w && !(Math.abs(w[0] - 1) < 1e-15 && Math.abs(w[1] - 3) < 1e-15)) blas.eigenvalues = null;
  } catch {
    blas.eigenvalues = null;
  }
  return true;
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
