/**
 * Builtin engine benchmark: pretraining time per base (fresh cache), generation and scoring
 * throughput, peak memory; then the same throughput for each small base fine-tuned as the
 * demo does (640 human examples, learningRate 0.5): base and delta counts merged (adapted.ts).
 * Run: see README.md in this folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listBuiltinBases, openBuiltinModel, openTrainedBuiltin, builtinInstructionSet, trainBuiltin } from '../../src/engines/builtin/index.js';
import type { LanguageModel } from '../../src/domain/models.js';
import { clearLoadedBases } from '../../src/engines/builtin/pretrain.js';
import { promptMessages } from '../../src/domain/example.js';

const runs = Number(process.argv[2] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const examples = builtinInstructionSet().slice(0, 40);
const rows: string[] = [];

/** Generation (200 tokens at most, temperature 0.8, top-p 0.95) and scoring tokens/s of `m`. */
async function throughput(m: LanguageModel): Promise<{ generate: number; score: number }> {
  let tokens = 0;
  let t = performance.now();
  for (const [i, ex] of examples.entries()) {
    const g = await m.generate(promptMessages(ex), { temperature: 0.8, topP: 0.95, maxTokens: 200, seed: i });
    tokens += g.completionTokens;
  }
  const generate = tokens / ((performance.now() - t) / 1000);
  tokens = 0;
  t = performance.now();
  for (let k = 0; k < 5; k++) {
    for (const ex of examples) tokens += (await m.score(promptMessages(ex), ex.response)).logprobs.length;
  }
  return { generate, score: tokens / ((performance.now() - t) / 1000) };
}
let peak = 0;
const sampleMem = () => (peak = Math.max(peak, process.memoryUsage().rss));

for (const base of listBuiltinBases()) {
  const pre: number[] = [];
  const gen: number[] = [];
  const score: number[] = [];
  for (let r = 0; r < runs; r++) {
    const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-bench-'));
    clearLoadedBases();
    const t = performance.now();
    const m = await openBuiltinModel(base.id, { cacheDir });
    pre.push((performance.now() - t) / 1000);
    sampleMem();
    const speed = await throughput(m);
    gen.push(speed.generate);
    score.push(speed.score);
    sampleMem();
    rmSync(cacheDir, { recursive: true, force: true });
  }
  rows.push(`| ${base.id} | ${base.tokenizer} | ${base.order} | ${median(pre).toFixed(2)} | ${Math.round(median(gen)).toLocaleString('en')} | ${Math.round(median(score)).toLocaleString('en')} |`);
  console.log(rows.at(-1));
}
console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (all 9 bases loaded in turn, ${runs} runs each)`);

// Fine-tuned: the demo's recipe on 640 human examples (not the ones measured above).
const training = builtinInstructionSet()
  .slice(40, 680)
  .map((ex) => ({ exampleId: ex.id, origin: 'human', instruction: ex.instruction, context: ex.context, response: ex.response }));
const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-bench-ft-'));
try {
  for (const base of listBuiltinBases().filter((b) => b.size === 'small')) {
    const outDir = join(cacheDir, base.id);
    for await (const _event of trainBuiltin({ base: base.id, examples: training, outDir, epochs: 1, learningRate: 0.5, batchSize: 16, seed: 1, cacheDir }));
    const m = await openTrainedBuiltin(join(outDir, 'model'), { cacheDir });
    const speeds = [];
    for (let r = 0; r < runs; r++) speeds.push(await throughput(m));
    console.log(`| ${base.id} + human delta | ${base.tokenizer} | ${base.order} | – | ${Math.round(median(speeds.map((x) => x.generate))).toLocaleString('en')} | ${Math.round(median(speeds.map((x) => x.score))).toLocaleString('en')} |`);
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
