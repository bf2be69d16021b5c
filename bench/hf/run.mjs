/* global process, console, URL, performance */
// The hf engine's throughput on this machine beside the builtin engine's, through the same
// LanguageModel calls the steps make: generation tokens/s (32 requests at once, as the generate
// step keeps two batches in flight), scoring tokens/s (64 test responses), embeddings/s (256
// texts); then the wall time of a whole study on the hf engine (the study of test/hf/study.test.ts).
//
// Run: npm run build && npm run python-env && node bench/hf/run.mjs [--runs 3] [--hidden 256] [--layers 4] [--study-runs 1]
// Prints markdown tables (median and spread of the runs); see bench/hf/README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { openHfModel } = await import(join(ROOT, 'dist', 'engines', 'hf', 'index.js'));
const { openBuiltinModel } = await import(join(ROOT, 'dist', 'engines', 'builtin', 'index.js'));

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(opt('runs', 3));
const STUDY_RUNS = Number(opt('study-runs', 1));
const PYTHON = join(ROOT, '.cache', 'python', 'bin', 'python');
process.env.BASKETS_PYTHON = PYTHON;
const root = mkdtempSync(join(tmpdir(), 'baskets-bench-hf-'));
process.env.BASKETS_CACHE_DIR ??= join(root, 'cache');

const model = join(root, 'tiny-llama');
const made = spawnSync(PYTHON, [join(ROOT, 'trainers', 'make_tiny_llama.py'), '--out', model, '--hidden', opt('hidden', '256'), '--layers', opt('layers', '4')], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(made.stderr);
const params = made.stdout.match(/random ([\d.]+M)-parameter/)?.[1] ?? '?';

const words = 'the nation people congress year government states union peace war law power public time country'.split(' ');
const text = (n, shift) => Array.from({ length: n }, (_, k) => words[(shift + k * 7) % words.length]).join(' ');
const ask = (i) => [{ role: 'user', content: `Write about item ${i} of the union.` }];
const responses = Array.from({ length: 64 }, (_, i) => `${text(30 + (i % 13), i)}.`);
const texts = Array.from({ length: 256 }, (_, i) => text(12 + (i % 9), i));

async function measure(m) {
  const t0 = performance.now();
  const gens = await Promise.all(Array.from({ length: 32 }, (_, i) => m.generate(ask(i), { temperature: 0.7, topP: 0.9, maxTokens: 64, seed: i })));
  const t1 = performance.now();
  const scores = await Promise.all(responses.map((r, i) => m.score(ask(i), r)));
  const t2 = performance.now();
  const vectors = await m.embed(texts);
  const t3 = performance.now();
  return {
    generate: gens.reduce((s, g) => s + g.completionTokens, 0) / ((t1 - t0) / 1000),
    score: scores.reduce((s, r) => s + r.logprobs.length, 0) / ((t2 - t1) / 1000),
    embed: vectors.length / ((t3 - t2) / 1000),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (xs) => `${Math.round(median(xs))} (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;

const hf = await openHfModel({ id: 'tiny', family: 'llama', size: 'small', roles: ['source'], engine: { engine: 'hf', model, device: 'auto', dtype: 'auto', batchSize: 16 } });
const builtin = await openBuiltinModel('founders-small');
const results = { hf: [], builtin: [] };
for (let i = 0; i < RUNS; i++) {
  // Alternated, so a drift in the machine's load touches both alike.
  for (const [name, m] of i % 2 ? [['builtin', builtin], ['hf', hf]] : [['hf', hf], ['builtin', builtin]]) results[name].push(await measure(m));
}
await hf.close();

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${JSON.stringify(hf.loaded.versions)}; hf model: random ${params}-parameter Llama (byte tokens), ${hf.loaded.device} ${hf.loaded.dtype}, batch 16; builtin: founders-small; ${RUNS} runs, alternated`);
console.log('');
console.log('| engine | generate tokens/s | score tokens/s | embeddings/s |');
console.log('|---|---:|---:|---:|');
for (const name of ['hf', 'builtin']) {
  const r = results[name];
  console.log(`| ${name} | ${cell(r.map((x) => x.generate))} | ${cell(r.map((x) => x.score))} | ${cell(r.map((x) => x.embed))} |`);
}
console.log('');
const ratio = (k) => (median(results.hf.map((x) => x[k])) / median(results.builtin.map((x) => x[k]))).toFixed(2);
console.log(`hf / builtin: generate ${ratio('generate')}, score ${ratio('score')}, embed ${ratio('embed')}`);

// The whole study on the hf engine, as test/hf/study.test.ts runs it.
const sessions = join(root, 'sessions');
const data = join(root, 'records.jsonl');
writeFileSync(data, Array.from({ length: 60 }, (_, i) => JSON.stringify({ instruction: `Write about item ${i}.`, context: '', response: `${text(6 + (i % 11), i)}. ${text(4 + (i % 5), i + 3)}.` })).join('\n') + '\n');
const times = [];
for (let i = 0; i < STUDY_RUNS; i++) {
  rmSync(sessions, { recursive: true, force: true });
  mkdirSync(join(sessions, 'study'), { recursive: true });
  writeFileSync(
    join(sessions, 'study', 'session.json'),
    JSON.stringify({
      version: 1, name: 'study', createdAt: '2026-12-06T00:00:00.000Z', seed: 5,
      data: { source: { kind: 'file', path: data }, testFraction: 0.25 },
      models: [
        { id: 'tiny', family: 'llama', size: 'small', roles: ['source', 'target', 'judge'], engine: { engine: 'hf', model, batchSize: 8 }, generation: { maxTokens: 24 }, trainer: { kind: 'hf', baseModel: model, epochs: 1, learningRate: 0.01, batchSize: 4, maxLength: 192 } },
        { id: 'fs', family: 'founders', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'founders-small' }, generation: { maxTokens: 24 } },
        { id: 'ms', family: 'modern', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'modern-small' }, generation: { maxTokens: 24 } },
      ],
      conditions: [
        { name: 'tiny/vanilla', target: 'tiny', kind: 'vanilla' },
        { name: 'tiny/human', target: 'tiny', kind: 'human' },
        { name: 'tiny/single', target: 'tiny', kind: 'single', sources: [{ model: 'tiny' }] },
        { name: 'tiny/multi', target: 'tiny', kind: 'multi', sources: [{ model: 'tiny' }, { model: 'fs' }, { model: 'ms' }] },
      ],
      evaluation: { answers: 8, diversity: { embedder: 'tiny' }, safety: { limit: 3, judge: 'tiny' }, preference: { items: 3 } },
    }),
  );
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), '--sessions', sessions, 'run', 'study', '--headless'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(ROOT, '.cache', 'python', 'bin')}:${process.env.PATH}` },
  });
  if (run.status !== 0) throw new Error(run.stdout.slice(-3000));
  times.push((performance.now() - t0) / 1000);
}
console.log('');
console.log(`whole study on the hf engine (4 conditions, 3 trained; 45 train / 15 test records; every step): ${times.map((t) => `${t.toFixed(1)} s`).join(', ')}`);
rmSync(root, { recursive: true, force: true });
