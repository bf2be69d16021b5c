import { discountsFrom } from '../../src/engines/builtin/ngram.js';
import { BOS, EOS } from '../../src/engines/builtin/tokenizer.js';

/** A tiny corpus over ids 2..8 with repeated bigrams and trigrams (each document starts with BOS). */
export const TINY_CORPUS = [
  [BOS, 2, 3, 4, 2, 3, 5, EOS],
  [BOS, 2, 3, 4, 6, 3, 4, EOS],
  [BOS, 7, 2, 3, 8, 2, 3, 4, EOS],
  [BOS, 3, 4, 2, 3, 4, 2, 5, 6, EOS],
];

/** One context level of a KN table: w's discounted count, the back-off mass and the total. */
export interface KnLevel {
  a: number;
  gamma: number;
  total: number;
}

/**
 * Interpolated modified Kneser–Ney straight from the definition, over string-keyed n-gram
 * counts of whole documents (each starts with BOS): `level` is one context's terms, `prob` the
 * interpolated probability of w after `ctx` (at most order − 1 tokens).
 */
export function knByDefinition(docs: number[][], order: number, vocab: number) {
  const raw = new Map<string, number>();
  for (const d of docs) {
    for (let i = 1; i < d.length; i++) {
      for (let k = 1; k <= Math.min(order, i + 1); k++) {
        const g = d.slice(i - k + 1, i + 1).join(',');
        raw.set(g, (raw.get(g) ?? 0) + 1);
      }
    }
  }
  const kn = new Map<string, number>();
  for (const g of raw.keys()) {
    const parts = g.split(',');
    if (parts.length === order || parts[0] === String(BOS)) kn.set(g, raw.get(g)!);
  }
  for (const g of raw.keys()) {
    const parts = g.split(',');
    if (parts.length < 2) continue;
    const suffix = parts.slice(1).join(',');
    if (suffix.split(',').length < order && suffix.split(',')[0] !== String(BOS)) kn.set(suffix, (kn.get(suffix) ?? 0) + 1);
  }
  const disc = (n: number) => {
    const coc = [0, 0, 0, 0, 0];
    for (const [g, c] of kn) if (g.split(',').length === n && c <= 4) coc[c]++;
    return discountsFrom(coc[1], coc[2], coc[3], coc[4]);
  };
  const level = (ctx: number[], w: number): KnLevel => {
    const prefix = ctx.length ? ctx.join(',') + ',' : '';
    const d = disc(ctx.length + 1);
    let total = 0;
    const buckets = [0, 0, 0];
    for (let v = 0; v < vocab; v++) {
      const c = kn.get(prefix + v) ?? 0;
      total += c;
      if (c > 0) buckets[Math.min(c, 3) - 1]++;
    }
    const c = kn.get(prefix + w) ?? 0;
    const a = c > 0 ? Math.max(c - d[Math.min(c, 3) - 1], 0) : 0;
    return { a, gamma: d[0] * buckets[0] + d[1] * buckets[1] + d[2] * buckets[2], total };
  };
  const prob = (ctx: number[], w: number): number => {
    const lower = ctx.length === 0 ? 1 / vocab : prob(ctx.slice(1), w);
    const { a, gamma, total } = level(ctx, w);
    return total === 0 ? lower : (a + gamma * lower) / total;
  };
  return { level, prob };
}
