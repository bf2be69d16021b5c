/* global process, console */
// Compares two demo sessions' outputs, ignoring only what depends on when and how fast the run
// went: `node bench/demo/compare.mjs <session dir A> <session dir B>`; exits 1 on a difference.
// JSON files are compared without createdAt, wallMs, elapsed and remaining times and rates; JSONL rows
// without their time `t` and in any order (rows are appended in completion order); events.jsonl,
// run logs and lock files are left out.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/demo/compare.mjs <session dir A> <session dir B>');
  process.exit(2);
}
const TIMING = new Set(['createdAt', 'wallMs', 'startedAt', 'finishedAt', 't', 'tokens_per_second', 'elapsed_s', 'remaining_s', 'completionTokensPerSecond', 'tokensPerSecond']);
const SKIP = /(^|\/)(events\.jsonl|run\.log|lock|.*\.log)$/;

const files = (dir) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(dir, f)).isFile() && !SKIP.test(f))
    .sort();
const strip = (v) =>
  Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !TIMING.has(k)).map(([k, x]) => [k, strip(x)])) : v;
const normal = (path) => {
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.jsonl')) return text.split('\n').filter(Boolean).map((l) => JSON.stringify(strip(JSON.parse(l)))).sort().join('\n');
  if (path.endsWith('.json')) return JSON.stringify(strip(JSON.parse(text)));
  return text;
};

const [fa, fb] = [files(a), files(b)];
const only = [...fa.filter((f) => !fb.includes(f)).map((f) => `only in A: ${f}`), ...fb.filter((f) => !fa.includes(f)).map((f) => `only in B: ${f}`)];
const differ = fa.filter((f) => fb.includes(f) && normal(join(a, f)) !== normal(join(b, f)));
for (const line of [...only, ...differ.map((f) => `differs: ${f}`)]) console.log(line);
console.log(`${fa.length} files in A, ${fb.length} in B: ${only.length} unpaired, ${differ.length} differ`);
process.exit(only.length + differ.length > 0 ? 1 : 0);
