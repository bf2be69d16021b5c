/**
 * Builtin engine benchmark: pretraining time per base (fresh cache), generation and scoring
 * throughput, peak memory. Run: npm run build && node dist-bench/bench/engine/bench.js (see README).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listBuiltinBases, openBuiltinModel, builtinInstructionSet } from '../../src/engines/builtin/index.js';
import { clearLoadedBases } from '../../src/engines/builtin/pretrain.js';
import { instructionMessages } from '../../src/pipeline/example.js';

const runs = Number(process.argv[2] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const examples = builtinInstructionSet().slice(0, 40);
const rows: string[] = [];
let peak = 0;
const sampleMem = () => (peak = Math.max(peak, process.memoryUsage().rss));

for (const base of listBuiltinBases()) {
  const pre: number[] = [];
  const gen: number[] = [];
  const score: number[] = [];
  for (let r = 0; r < runs; r++) {
    const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-bench-'));
    clearLoadedBases();
    let t = performance.now();
    const m = await openBuiltinModel(base.id, { cacheDir });
    pre.push((performance.now() - t) / 1000);
    sampleMem();
    let tokens = 0;
    t = performance.now();
    for (const [i, ex] of examples.entries()) {
      const g = await m.generate(instructionMessages(ex.instruction, ex.context), { temperature: 0.8, topP: 0.95, maxTokens: 200, seed: i });
      tokens += g.completionTokens;
    }
    gen.push(tokens / ((performance.now() - t) / 1000));
    tokens = 0;
    t = performance.now();
    for (let k = 0; k < 5; k++) {
      for (const ex of examples) tokens += (await m.score(instructionMessages(ex.instruction, ex.context), ex.response)).logprobs.length;
    }
    score.push(tokens / ((performance.now() - t) / 1000));
    sampleMem();
    rmSync(cacheDir, { recursive: true, force: true });
  }
  rows.push(`| ${base.id} | ${base.tokenizer} | ${base.order} | ${median(pre).toFixed(2)} | ${Math.round(median(gen)).toLocaleString('en')} | ${Math.round(median(score)).toLocaleString('en')} |`);
  console.log(rows.at(-1));
}
console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (all 9 bases loaded in turn, ${runs} runs each)`);
