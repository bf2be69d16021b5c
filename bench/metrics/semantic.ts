// Semantic metrics (mean cosine distance + Vendi) against numpy on the same vectors.
// Run from the repository root, compiled (worker threads then start as they do in dist/, not
// through tsx):
//   npx tsc -p tsconfig.json --noEmit false --outDir /tmp/bb --rootDir . && ln -sfn "$PWD/node_modules" /tmp/bb/node_modules \
//     && cp package.json /tmp/bb/ && node /tmp/bb/bench/metrics/semantic.js [runs=5]
// Needs the real Python stack at .cache/python (numpy with its BLAS). Ours runs twice: on one
// thread (vendiScore) and with the similarity matrix on every core (vendiScoreOnThreads, as the
// diversity step runs it). Each run rotates which of the three goes first, so load from other
// work on the machine falls on all of them alike.
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { meanPairwiseCosineDistance, unitRows, vendiScore, vendiScoreOnThreads } from '../../src/metrics/semantic.js';
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

const dir = mkdtempSync(join(tmpdir(), 'baskets-semantic-bench-'));
const load0 = loadavg();
const rows: string[] = [];
let numpyVersion = '';
for (const [n, d] of SHAPES) {
  const vecs = vectors(n, d, n + d);
  const flat = new Float32Array(n * d);
  vecs.forEach((v, i) => flat.set(v, i * d));
  const file = join(dir, `${n}x${d}.f32`);
  writeFileSync(file, flat);
  numpyVersion = (await numpyAll.ask<{ numpy: string }>(`load ${file} ${n} ${d}`)).numpy;
  await numpyOne.ask(`load ${file} ${n} ${d}`);
  const single: number[] = [];
  const threaded: number[] = [];
  const theirs: number[] = [];
  const theirsOne: number[] = [];
  const agreement = { mcd: 0, vendi: 0, threads: true };
  type Measured = { mcd: number; vendi: number };
  const sides: (() => Promise<Measured>)[] = [
    async () => {
      const t = performance.now();
      const u = unitRows(vecs);
      const x = { mcd: meanPairwiseCosineDistance(u).value!, vendi: vendiScore(u).value! };
      single.push(performance.now() - t);
      return x;
    },
    async () => {
      const t = performance.now();
      const u = unitRows(vecs);
      const x = { mcd: meanPairwiseCosineDistance(u).value!, vendi: (await vendiScoreOnThreads(u)).value! };
      threaded.push(performance.now() - t);
      return x;
    },
    async () => {
      const x = await numpyAll.ask<{ ms: number } & Measured>('run');
      theirs.push(x.ms);
      return x;
    },
    async () => {
      const x = await numpyOne.ask<{ ms: number } & Measured>('run');
      theirsOne.push(x.ms);
      return x;
    },
  ];
  for (let r = 0; r < RUNS; r++) {
    // Each run starts with another side, so none always runs in the others' wake.
    const got: Measured[] = [];
    for (let k = 0; k < sides.length; k++) got[(r + k) % sides.length] = await sides[(r + k) % sides.length]();
    const [one, many, numpy] = got;
    agreement.mcd = Math.max(agreement.mcd, Math.abs(one.mcd - numpy.mcd));
    agreement.vendi = Math.max(agreement.vendi, Math.abs(one.vendi - numpy.vendi) / numpy.vendi);
    agreement.threads &&= one.vendi === many.vendi;
  }
  const [o, t, p, q] = [stats(single), stats(threaded), stats(theirs), stats(theirsOne)];
  // The strongest baseline of this run: numpy with whichever thread setting was faster.
  const best = Math.min(p.median, q.median);
  const cell = (x: { median: number; min: number; max: number }) => `${x.median.toFixed(0)} (${x.min.toFixed(0)}–${x.max.toFixed(0)})`;
  rows.push(
    `| ${n.toLocaleString('en')} × ${d} | ${cell(o)} | ${cell(t)} | ${cell(p)} | ${cell(q)} | ${(best / o.median).toFixed(2)}× | ${(best / t.median).toFixed(2)}× | ${agreement.mcd.toExponential(1)} | ${agreement.vendi.toExponential(1)} | ${agreement.threads ? 'yes' : 'NO'} |`,
  );
  console.error(rows.at(-1));
}
numpyAll.end();
numpyOne.end();

const cpu = cpus()[0]?.model ?? 'unknown';
const nproc = execSync('nproc').toString().trim();
console.log(`## ${new Date().toISOString().slice(0, 10)}: ${nproc} cores (nproc), ${cpu}, Node ${process.version}, numpy ${numpyVersion}; ${RUNS} runs a shape, alternated`);
console.log(`load average ${load0.map((x) => x.toFixed(1)).join(' / ')} at the start, ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end\n`);
console.log(
  '| vectors | ours, 1 thread: ms median (min–max) | ours, threads | numpy (OpenBLAS threads: all) | numpy (1 thread) | faster numpy ÷ ours, 1 thread | faster numpy ÷ ours, threads | cosine max abs Δ vs numpy | Vendi max rel. Δ vs numpy | threads = 1 thread, bit for bit |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const row of rows) console.log(row);
