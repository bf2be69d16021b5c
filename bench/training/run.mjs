/* global process, console, URL */
// The hf trainer for real on this machine: a tiny random Llama (trainers/make_tiny_llama.py)
// fine-tuned with LoRA on the builtin human instruction set through `baskets run --steps
// train`, with 1 and with 2 processes (trainer.processes), several runs each, alternated.
//
// Run: npm run build && npm run python-env && node bench/training/run.mjs [--runs 3] [--processes 1,2] [--subsample 1000] [--keep]
// Prints the versions, a table of medians and spreads, and one run's loss curve; see bench/training/README.md.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(opt('runs', 3));
const PROCESSES = opt('processes', '1,2').split(',').map(Number);
const SUBSAMPLE = Number(opt('subsample', 1000));
const KEEP = args.includes('--keep');
const PYTHON_BIN = join(ROOT, '.cache', 'python', 'bin');
const env = { ...process.env, PATH: `${PYTHON_BIN}:${process.env.PATH}` };
const root = mkdtempSync(join(tmpdir(), 'baskets-bench-training-'));

function run(cmd, argv, extra = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...env, ...extra }, maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout.slice(-4000)}`);
  return r.stdout;
}

const versions = JSON.parse(
  run(join(PYTHON_BIN, 'python'), ['-c', 'import json, torch, transformers, peft, accelerate; print(json.dumps({m.__name__: m.__version__ for m in (torch, transformers, peft, accelerate)}))']),
);
const model = join(root, 'tiny-llama');
run(join(PYTHON_BIN, 'python'), [join(ROOT, 'trainers', 'make_tiny_llama.py'), '--out', model]);

// One session prepared once (split and dataset), copied for every run so each trains from scratch.
const sessions = join(root, 'sessions');
const session = (processes) => ({
  version: 1,
  name: 'bench',
  createdAt: '2026-12-06T00:00:00.000Z',
  seed: 1234,
  data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: SUBSAMPLE },
  models: [
    {
      id: 'tiny-llama',
      family: 'llama',
      size: 'small',
      roles: ['target'],
      engine: { engine: 'openai', baseUrls: ['http://127.0.0.1:9/v1'], model },
      trainer: { kind: 'hf', baseModel: model, epochs: 1, learningRate: 0.001, batchSize: 8, maxLength: 512, ...(processes > 1 ? { processes } : {}) },
    },
  ],
  conditions: [{ name: 'tiny-llama/human', target: 'tiny-llama', kind: 'human' }],
});
mkdirSync(join(sessions, 'bench'), { recursive: true });
writeFileSync(join(sessions, 'bench', 'session.json'), JSON.stringify(session(1), null, 2));
run(process.execPath, [CLI, '--sessions', sessions, 'run', 'bench', '--steps', 'data,assemble', '--headless']);

function trainOnce(processes, i) {
  const dir = join(root, `p${processes}-run${i}`);
  cpSync(sessions, dir, { recursive: true });
  rmSync(join(dir, 'bench', 'events.jsonl'), { force: true });
  writeFileSync(join(dir, 'bench', 'session.json'), JSON.stringify(session(processes), null, 2));
  const events = run(process.execPath, [CLI, '--sessions', dir, 'run', 'bench', '--steps', 'train', '--headless', '--json'])
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const finish = events.find((e) => e.type === 'step-finish' && e.step === 'train');
  const runDir = join(dir, 'bench', 'runs', 'tiny-llama__human');
  const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const train = lines.filter((l) => l.loss !== undefined);
  const evals = lines.filter((l) => l.eval_loss !== undefined);
  const result = {
    processes,
    seconds: finish.elapsedMs / 1000,
    steps: train.at(-1).step,
    tokensPerSecond: train.at(-1).tokens_per_second,
    tokens: train.at(-1).tokens,
    peakRssMb: Math.max(...lines.map((l) => l.peak_rss_mb ?? 0)),
    firstLoss: train[0].loss,
    lastLoss: train.at(-1).loss,
    lastEvalLoss: evals.at(-1)?.eval_loss,
    curve: train.map((l) => [l.step, l.loss]),
    evalCurve: evals.map((l) => [l.step, l.eval_loss]),
    data: JSON.parse(readFileSync(join(runDir, 'data.json'), 'utf8')),
  };
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
  return result;
}

const results = [];
for (let i = 0; i < RUNS; i++) {
  // Alternated, so a drift in the machine's load touches every configuration alike.
  for (const p of i % 2 ? [...PROCESSES].reverse() : PROCESSES) {
    const r = trainOnce(p, i);
    results.push(r);
    console.error(`run ${i + 1}/${RUNS}, ${p} process(es): ${r.seconds.toFixed(1)} s, ${Math.round(r.tokensPerSecond)} tok/s, loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}`);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs, digits = 0) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
const base = results.filter((r) => r.processes === PROCESSES[0]);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${JSON.stringify(versions)}; ${RUNS} runs each, alternated`);
console.log(`data: ${JSON.stringify(base[0].data)}`);
console.log('');
console.log('| processes | steps | wall s (median, spread) | tokens/s (median, spread) | ratio to 1 process | peak RSS MiB, rank 0 | loss first → last | eval loss last |');
console.log('|---:|---:|---|---|---:|---:|---|---:|');
for (const p of PROCESSES) {
  const rs = results.filter((r) => r.processes === p);
  const tps = rs.map((r) => r.tokensPerSecond);
  console.log(
    `| ${p} | ${rs[0].steps} | ${median(rs.map((r) => r.seconds)).toFixed(1)} (${spread(rs.map((r) => r.seconds), 1)}) | ${Math.round(median(tps))} (${spread(tps)}) | ${(median(tps) / median(base.map((r) => r.tokensPerSecond))).toFixed(2)} | ${Math.round(median(rs.map((r) => r.peakRssMb)))} | ${rs[0].firstLoss.toFixed(3)} → ${rs[0].lastLoss.toFixed(3)} | ${rs[0].lastEvalLoss?.toFixed(3)} |`,
  );
}
console.log('');
console.log(`loss curve of the first ${PROCESSES[0]}-process run (every ${Math.max(1, Math.round(base[0].curve.length / 12))}th logged step), and its evaluations:`);
const every = Math.max(1, Math.round(base[0].curve.length / 12));
console.log(base[0].curve.filter((_, i) => i % every === 0 || i === base[0].curve.length - 1).map(([s, l]) => `${s}: ${l.toFixed(3)}`).join(', '));
console.log(base[0].evalCurve.map(([s, l]) => `${s}: ${l.toFixed(3)}`).join(', '));
if (KEEP) console.log(`kept: ${root}`);
else rmSync(root, { recursive: true, force: true });
