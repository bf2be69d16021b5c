/* global process, console */
// The demo outcome over several runs: node outcome.mjs DIR... (each DIR holds demo/results).
import { readFileSync } from 'node:fs';

const f = (s, d = 1) => (s && s.value !== null ? s.value.toFixed(d) : '–');
const ci = (s, d = 1) => `${f(s, d)} [${s.lo?.toFixed(d)}, ${s.hi?.toFixed(d)}]`;
const rows = [];
for (const dir of process.argv.slice(2)) {
  const ppl = JSON.parse(readFileSync(`${dir}/demo/results/perplexity.json`, 'utf8'));
  const div = JSON.parse(readFileSync(`${dir}/demo/results/diversity.json`, 'utf8'));
  for (const m of ppl.models) {
    const d = div.models.find((x) => x.condition === m.condition);
    rows.push({ seed: ppl.seed, target: m.target, kind: m.kind, ppl: m.mean, lex: d.lexical.lexicalDiversity, d2: d.lexical.distinct[2], cos: d.semantic?.meanCosineDistance, vendi: d.semantic?.vendi, words: d.tokens / Math.max(1, d.answers) });
  }
}
console.log('| target | condition | seed | perplexity (mean, 95% CI) | 100 − Self-BLEU (95% CI) | distinct-2 | mean cosine distance | Vendi | tokens/answer |');
console.log('|---|---|---|---|---|---|---|---|---|');
const order = ['vanilla', 'human', 'single', 'multi'];
rows.sort((a, b) => a.target.localeCompare(b.target) || order.indexOf(a.kind) - order.indexOf(b.kind));
for (const r of rows) console.log(`| ${r.target} | ${r.kind} | ${r.seed} | ${ci(r.ppl)} | ${ci(r.lex)} | ${f(r.d2, 3)} | ${f(r.cos, 3)} | ${f(r.vendi)} | ${r.words.toFixed(0)} |`);
console.log('\nmulti − single (per seed), and whether the paper\'s direction holds:');
let all = true;
for (const t of [...new Set(rows.map((r) => r.target))]) {
  const cells = [];
  for (const seed of [...new Set(rows.map((r) => r.seed))]) {
    const get = (k) => rows.find((r) => r.target === t && r.seed === seed && r.kind === k);
    const [s, m, h] = [get('single'), get('multi'), get('human')];
    const ok = { ppl: m.ppl.value < s.ppl.value, human: h.ppl.value < m.ppl.value && h.ppl.value < s.ppl.value, lex: m.lex.value > s.lex.value, cos: m.cos.value > s.cos.value, vendi: m.vendi.value > s.vendi.value };
    all &&= Object.values(ok).every(Boolean);
    cells.push(`seed ${seed}: ppl ${(m.ppl.value - s.ppl.value).toFixed(1)}${ok.ppl ? '' : '✗'} humanBest ${ok.human ? 'y' : '✗'} lex ${(m.lex.value - s.lex.value).toFixed(2)}${ok.lex ? '' : '✗'} cos ${(m.cos.value - s.cos.value).toFixed(3)}${ok.cos ? '' : '✗'} vendi ${(m.vendi.value - s.vendi.value).toFixed(1)}${ok.vendi ? '' : '✗'}`);
  }
  console.log(`- ${t}: ${cells.join('; ')}`);
}
console.log(all ? '\nall cells hold' : '\nnot all cells hold (✗)');
