// Semantic metrics (mean cosine distance + Vendi) against numpy on the same vectors.
// Run from the repository root, compiled (worker threads then start as they do in dist/, not
// through tsx):
//   npx tsc -p tsconfig.json --noEmit false --outDir /tmp/bb --rootDir . && ln -sfn "$PWD/node_modules" /tmp/bb/node_modules \
//     && cp package.json /tmp/bb/ && node /tmp/bb/bench/metrics/semantic.js [runs=5]
// Needs the real Python stack at .cache/python (numpy with its BLAS). Ours runs two ways: with
// the machine's BLAS and LAPACK (blas.ts, one thread: it says why) and without them (blas null:
// gram.ts on worker threads and eigen.ts, the fallback), each as the diversity step calls it
// (vendiScoreOnThreads). Each run rotates which side goes first, so load from other work on the
// machine falls on all of them alike. Then the phases of ours on 15,000 × 384, one at a time.
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { systemBlas } from '../../src/metrics/blas.js';
import { symmetricEigenvalues } from '../../src/metrics/eigen.js';
import { gramMatrix, gramMatrixOnThreads } from '../../src/metrics/gram.js';
import { meanPairwiseCosineDistance, unitRows, vendiScoreOnThreads } from '../../src/metrics/semantic.js';
import { mulberry32 } from '../../src/util/rng.js';

const RUNS = Number(process.argv[2] ?? 5);
const SHAPES: [number, number][] = [
  [500, 384],
  [1000, 384],
  [15000, 384],
  [500, 1024],
  [1000, 1024],
  [15000, 1024],
];
const PYTHON = join(process.cwd(), '.cache', 'python', 'bin', 'python');

/** n × d float32 vectors around 20 seeded cluster centres (sentence embeddings cluster by topic). */
function vectors(n: number, d: number, seed: number): Float32Array[] {
  const rand = mulberry32(seed);
  const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: d }, () => rand() - 0.5));
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(rand() * centres.length)];
    return Float32Array.from(c, (x) => x + (rand() + rand() + rand() - 1.5) * 0.3);
  });
}

function stats(ms: number[]): { median: number; min: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
}

/** A numpy process answering one command a line; `threads` pins OpenBLAS's threads (default: its own choice, every core). */
function numpySide(threads?: number) {
  const env = threads ? { ...process.env, OPENBLAS_NUM_THREADS: String(threads) } : process.env;
  const py = spawn(PYTHON, [join(process.cwd(), 'bench', 'metrics', 'semantic_numpy.py')], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  return {
    async ask<T>(command: string): Promise<T> {
      py.stdin.write(command + '\n');
      const { value, done } = await lines.next();
      if (done) throw new Error(`the numpy side exited before answering "${command}"`);
      return JSON.parse(value) as T;
    },
    end: () => py.stdin.end(),
  };
}
const numpyAll = numpySide();
const numpyOne = numpySide(1);

const blas = systemBlas();
if (!blas) throw new Error('no system BLAS loads (apt-get install libopenblas0-pthread): this bench compares it with the fallback');
type Cell = { median: number; min: number; max: number };
const cell = (x: Cell) => `${x.median.toFixed(0)} (${x.min.toFixed(0)}–${x.max.toFixed(0)})`;
const dir = mkdtempSync(join(tmpdir(), 'baskets-semantic-bench-'));
const load0 = loadavg();
const rows: string[] = [];
let numpyVersion = '';
let firstVendi: number | undefined;
for (const [n, d] of SHAPES) {
  const vecs = vectors(n, d, n + d);
  const flat = new Float32Array(n * d);
  vecs.forEach((v, i) => flat.set(v, i * d));
  const file = join(dir, `${n}x${d}.f32`);
  writeFileSync(file, flat);
  numpyVersion = (await numpyAll.ask<{ numpy: string }>(`load ${file} ${n} ${d}`)).numpy;
  await numpyOne.ask(`load ${file} ${n} ${d}`);
  type Measured = { mcd: number; vendi: number };
  const ours = (vendi: (u: ReturnType<typeof unitRows>) => Promise<number>) => async (): Promise<Measured> => {
    const u = unitRows(vecs);
    return { mcd: meanPairwiseCosineDistance(u).value!, vendi: await vendi(u) };
  };
  const sides: { ms: number[]; run: () => Promise<Measured & { ms?: number }> }[] = [
    { ms: [], run: ours(async (u) => (await vendiScoreOnThreads(u, { blas })).value!) },
    { ms: [], run: ours(async (u) => (await vendiScoreOnThreads(u, { blas: null })).value!) },
    { ms: [], run: () => numpyAll.ask<{ ms: number } & Measured>('run') },
    { ms: [], run: () => numpyOne.ask<{ ms: number } & Measured>('run') },
  ];
  const agreement = { mcd: 0, vendi: 0, fallback: 0, repeatable: true };
  for (let r = 0; r < RUNS; r++) {
    // Each run starts with another side, so none always runs in the others' wake.
    const got: Measured[] = [];
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(r + k) % sides.length];
      const t = performance.now();
      const x = await side.run();
      side.ms.push(x.ms ?? performance.now() - t);
      got[(r + k) % sides.length] = x;
    }
    const [ours, fallback, numpy] = got;
    agreement.mcd = Math.max(agreement.mcd, Math.abs(ours.mcd - numpy.mcd));
    agreement.vendi = Math.max(agreement.vendi, Math.abs(ours.vendi - numpy.vendi) / numpy.vendi);
    agreement.fallback = Math.max(agreement.fallback, Math.abs(ours.vendi - fallback.vendi) / fallback.vendi);
    firstVendi ??= ours.vendi;
    agreement.repeatable &&= ours.vendi === firstVendi;
  }
  firstVendi = undefined;
  const [o, f, p, q] = sides.map((side) => stats(side.ms));
  // The strongest baseline of this run: numpy with whichever thread setting was faster.
  const best = Math.min(p.median, q.median);
  rows.push(
    `| ${n.toLocaleString('en')} × ${d} | ${cell(o)} | ${cell(f)} | ${cell(p)} | ${cell(q)} | **${(best / o.median).toFixed(2)}×** | ${(best / f.median).toFixed(2)}× | ${agreement.mcd.toExponential(1)} | ${agreement.vendi.toExponential(1)} | ${agreement.fallback.toExponential(1)} | ${agreement.repeatable ? 'yes' : 'NO'} |`,
  );
  console.error(rows.at(-1));
}
numpyAll.end();
numpyOne.end();

// Ours on 15,000 × 384 phase by phase (Gram matrices unscaled).
const vecs = vectors(15000, 384, 15384);
const phases: Record<string, number[]> = { unitRows: [], cosine: [], 'Gram, BLAS (dsyrk)': [], 'Gram, fallback, worker threads': [], 'eigenvalues, LAPACK (dsyevd)': [], 'eigenvalues, eigen.ts': [] };
for (let r = 0; r < RUNS; r++) {
  const time = async <T>(phase: string, f: () => T | Promise<T>): Promise<T> => {
    const t = performance.now();
    const x = await f();
    phases[phase].push(performance.now() - t);
    return x;
  };
  const u = await time('unitRows', () => unitRows(vecs));
  await time('cosine', () => meanPairwiseCosineDistance(u));
  const gram = await time('Gram, BLAS (dsyrk)', () => gramMatrix(u, true, undefined, blas));
  await time('Gram, fallback, worker threads', () => gramMatrixOnThreads(u, true, { blas: null }));
  if (blas.eigenvalues) await time('eigenvalues, LAPACK (dsyevd)', () => blas.eigenvalues!(gram, 384));
  await time('eigenvalues, eigen.ts', () => symmetricEigenvalues(gram, 384));
}

const cpu = cpus()[0]?.model ?? 'unknown';
const nproc = execSync('nproc').toString().trim();
console.log(`## ${new Date().toISOString().slice(0, 10)}: ${nproc} cores (nproc), ${cpu}, Node ${process.version}, numpy ${numpyVersion}; ours on ${blas.name}; ${RUNS} runs a shape, alternated`);
console.log(`load average ${load0.map((x) => x.toFixed(1)).join(' / ')} at the start, ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end\n`);
console.log(
  '| vectors | ours, BLAS + LAPACK: ms median (min–max) | ours, fallback (no BLAS) | numpy (OpenBLAS threads: all) | numpy (1 thread) | faster numpy ÷ ours | ÷ ours, fallback | cosine max abs Δ vs numpy | Vendi max rel. Δ vs numpy | Vendi rel. Δ vs fallback | the same bits every run |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const row of rows) console.log(row);
console.log('\n| phase of ours, 15,000 × 384 | ms median (min–max) |\n|---|---:|');
for (const [phase, ms] of Object.entries(phases)) console.log(`| ${phase} | ${cell(stats(ms))} |`);
