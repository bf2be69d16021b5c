/* global process, performance, console, Buffer, URL */
// Benchmark of the metrics library against Python references (NLTK, numpy).
// Run: npm run build && node bench/metrics/run.mjs [runs=5] [--no-reference]
// Needs /usr/bin/python3 with python3-nltk and python3-numpy (installed with apt-get if missing).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as M from '../../dist/metrics/index.js';
import { mulberry32 } from '../../dist/util/rng.js';

const RUNS = Number(process.argv[2] ?? 5);
const N_DOCS = 15000;
const DIM = 384;

// Deterministic corpus: Zipf-distributed words (P(rank r) ∝ 1/r, log-uniform rank) from a syllable vocabulary, ~100 tokens a response,
// in sentences of 6–20 words so the within-response Self-BLEU has sentences to compare.
function corpus(seed) {
  const rand = mulberry32(seed);
  const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'do', 'fi', 'gu', 'he', 'jo'];
  const vocab = Array.from({ length: 20000 }, (_, i) => {
    let w = '';
    for (let x = i + 1; x > 0; x = Math.floor(x / syll.length)) w += syll[x % syll.length];
    return w;
  });
  const docs = [];
  for (let d = 0; d < N_DOCS; d++) {
    const target = 60 + Math.floor(rand() * 80);
    const sentences = [];
    let count = 0;
    while (count < target) {
      const len = 6 + Math.floor(rand() * 15);
      const words = Array.from({ length: len }, () => vocab[Math.floor(Math.exp(rand() * Math.log(vocab.length))) - 1]);
      words[0] = words[0][0].toUpperCase() + words[0].slice(1);
      sentences.push(words.join(' ') + (rand() < 0.1 ? '?' : '.'));
      count += len;
    }
    docs.push(sentences.join(' '));
  }
  return docs;
}

function vectors(seed) {
  const rand = mulberry32(seed);
  const centers = Array.from({ length: 20 }, () => Float32Array.from({ length: DIM }, () => rand() - 0.5));
  return Array.from({ length: N_DOCS }, () => {
    const c = centers[Math.floor(rand() * centers.length)];
    return Float32Array.from(c, (x) => x + (rand() + rand() + rand() - 1.5) * 0.3);
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn) {
  const ms = [];
  let result;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    result = fn();
    ms.push(performance.now() - t);
  }
  return { ms: median(ms), result };
}

function ensurePython() {
  const ok = spawnSync('/usr/bin/python3', ['-c', 'import nltk, numpy'], { stdio: 'ignore' }).status === 0;
  if (ok) return;
  console.error('installing python3-nltk python3-numpy with apt-get …');
  spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq python3-nltk python3-numpy'], { stdio: 'inherit' });
}

const texts = corpus(1);
const vecs = vectors(2);
const rows = [];
const row = (name, n, ms, note = '') => rows.push({ name, n, ms, note });

const tok = time(() => texts.map(M.wordTokens));
const docs = tok.result;
const stream = docs.flat();
row('tokenize (§6)', N_DOCS, tok.ms, `${stream.length} tokens`);
const lexical = time(() => {
  const idx = M.indexNgrams(docs, 4);
  const curve = M.vocabularyCurve(stream);
  return {
    ttr: M.ttr(stream), d: [1, 2, 3, 4].map((n) => M.distinctN(idx, n)), mattr: M.mattr(stream), mtld: M.mtld(stream),
    gz: M.compressionRatio(texts), heaps: M.heapsLogLog(curve), paper: M.heapsPaper(curve),
  };
});
row('lexical suite: TTR, distinct-1..4, MATTR, MTLD, gzip, Heaps (both fits)', N_DOCS, lexical.ms);
for (const [name, fn] of [
  ['  n-gram index (distinct-n)', () => M.indexNgrams(docs, 4)],
  ['  MATTR', () => M.mattr(stream)],
  ['  MTLD', () => M.mtld(stream)],
  ['  compression ratio', () => M.compressionRatio(texts)],
  ['  Heaps (curve + both fits)', () => { const c = M.vocabularyCurve(stream); return [M.heapsLogLog(c), M.heapsPaper(c)]; }],
]) row(name, N_DOCS, time(fn).ms);
row('within-response Self-BLEU (500 sampled)', N_DOCS, time(() => M.withinResponseSelfBleu(texts)).ms);
row('cross Self-BLEU, 1000 hyps vs all 15000', N_DOCS, time(() => M.crossResponseSelfBleu(docs, { cap: 1000 })).ms);
const small = docs.slice(0, 1000);
const cross1k = time(() => M.crossResponseSelfBleu(small, { cap: 1000 }));
row('cross Self-BLEU, 1000 responses', 1000, cross1k.ms);
const semantic = time(() => {
  const u = M.unitRows(vecs);
  return { mcd: M.meanPairwiseCosineDistance(u), vendi: M.vendiScore(u) };
});
row(`semantic: cosine distance + Vendi (${N_DOCS}×${DIM})`, N_DOCS, semantic.ms);
// The bootstrap interval of the diversity step, at the demo's scale (one condition's answers).
const demoScale = M.unitRows(vecs.slice(0, 500));
row(`semantic: cosine-distance bootstrap interval (500×${DIM}, 2000 resamples)`, 500, time(() => M.bootstrapMeanCosineDistance(demoScale, { seed: 1 })).ms);
const full = textMetrics();
function textMetrics() {
  const recs = texts.map((text, i) => ({ text, vector: vecs[i] }));
  return time(() => M.textMetrics(recs));
}
row('textMetrics (everything `baskets metrics` reports)', N_DOCS, full.ms);

console.log(`# metrics bench — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${RUNS} runs (median)\n`);
console.log('| metric | docs | ms |  |\n|---|---:|---:|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.n} | ${r.ms.toFixed(0)} | ${r.note} |`);
if (process.argv.includes('--no-reference')) process.exit(0);

// Python references on the same inputs (run once: the NLTK loop takes minutes).
ensurePython();
const dir = mkdtempSync(join(tmpdir(), 'baskets-bench-'));
writeFileSync(join(dir, 'docs.json'), JSON.stringify(small));
const vecPath = join(dir, 'vecs.f32');
const flat = new Float32Array(N_DOCS * DIM);
vecs.forEach((v, i) => flat.set(v, i * DIM));
writeFileSync(vecPath, Buffer.from(flat.buffer));
const py = spawnSync('/usr/bin/python3', [new URL('./reference.py', import.meta.url).pathname, dir, String(N_DOCS), String(DIM)], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (py.status !== 0) throw new Error(`python reference failed: ${py.stderr}`);
const ref = JSON.parse(py.stdout);
const ours = new Map(cross1k.result.scores.map((s) => [s.doc, s.bleu]));
const maxDiff = Math.max(...ref.nltk_scores.map((v, i) => Math.abs(v - ours.get(i))));

console.log('\n| reference (Python) | ms | ours ms | speed-up | agreement |\n|---|---:|---:|---:|---|');
console.log(`| NLTK sentence_bleu loop, 1000 responses | ${ref.nltk_ms.toFixed(0)} | ${cross1k.ms.toFixed(0)} | ${(ref.nltk_ms / cross1k.ms).toFixed(0)}× | max |Δ| per response ${maxDiff.toExponential(1)}; mean ${ref.nltk_mean} vs ${cross1k.result.selfBleu.value} |`);
console.log(`| numpy cosine distance + Vendi (dual, eigvalsh), ${N_DOCS}×${DIM} | ${ref.numpy_ms.toFixed(0)} | ${semantic.ms.toFixed(0)} | ${(ref.numpy_ms / semantic.ms).toFixed(1)}× | cos Δ ${Math.abs(ref.mcd - semantic.result.mcd.value).toExponential(1)}, Vendi Δ ${Math.abs(ref.vendi - semantic.result.vendi.value).toExponential(1)} |`);
