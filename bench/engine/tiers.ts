/**
 * Are size tiers comparable across families? For every builtin base: bits per byte on human
 * responses of the demo instruction set (a common yardstick across tokenizers), and the
 * diversity of its own answers to those instructions (word distinct-2 over all answers, the
 * paper's 100 − within-response Self-BLEU). Usage: node tiers.js [answers=120] [tiers=small,medium]
 */
import { builtinInstructionSet, openBuiltinModel, listBuiltinBases } from '../../src/engines/builtin/index.js';
import { promptMessages } from '../../src/domain/example.js';
import { withinResponseSelfBleu } from '../../src/metrics/selfbleu.js';

const n = Number(process.argv[2] ?? 120);
const tiers = (process.argv[3] ?? 'small,medium').split(',');
const examples = builtinInstructionSet();
const step = Math.max(1, Math.floor(examples.length / n));
const chosen = examples.filter((_, i) => i % step === 0).slice(0, n);

function distinct2(texts: string[]): number {
  const seen = new Set<string>();
  let total = 0;
  for (const t of texts) {
    const w = t.toLowerCase().split(/\s+/).filter(Boolean);
    for (let i = 1; i < w.length; i++) {
      seen.add(`${w[i - 1]} ${w[i]}`);
      total++;
    }
  }
  return total ? seen.size / total : 0;
}

console.log('| base | bits/byte (human) | answer distinct-2 | 100 − Self-BLEU | mean words |');
console.log('|---|---|---|---|---|');
for (const b of listBuiltinBases().filter((x) => tiers.includes(x.size))) {
  const m = await openBuiltinModel(b.id);
  let nll = 0;
  let bytes = 0;
  const answers: string[] = [];
  for (const [k, ex] of chosen.entries()) {
    const msgs = promptMessages(ex);
    const s = await m.score(msgs, ex.response);
    for (const lp of s.logprobs) nll -= lp;
    bytes += Buffer.byteLength(ex.response);
    const g = await m.generate(msgs, { temperature: 0.8, topP: 0.95, maxTokens: 160, seed: 1000 + k });
    answers.push(g.text);
  }
  const sb = withinResponseSelfBleu(answers, { seed: 1 });
  const ld = sb.lexicalDiversity.value ?? NaN;
  const words = answers.reduce((a, t) => a + t.split(/\s+/).filter(Boolean).length, 0) / answers.length;
  console.log(`| ${b.id} | ${(nll / bytes / Math.LN2).toFixed(3)} | ${distinct2(answers).toFixed(3)} | ${ld.toFixed(1)} | ${words.toFixed(0)} |`);
}
