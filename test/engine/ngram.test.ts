import { describe, expect, it } from 'vitest';
import { discountsFrom, GrowingTable, ROOT, Scorer, startState, type NgramTable } from '../../src/engines/builtin/ngram.js';
import { BOS, EOS } from '../../src/engines/builtin/tokenizer.js';

const V = 9;
const ORDER = 3;
const DOCS = [
  [BOS, 2, 3, 4, 2, 3, 5, EOS],
  [BOS, 2, 3, 4, 6, 3, 4, EOS],
  [BOS, 7, 2, 3, 8, 2, 3, 4, EOS],
  [BOS, 3, 4, 2, 3, 4, 2, 5, 6, EOS],
];

/** Interpolated modified KN straight from the definition, over string-keyed n-gram counts. */
function bruteForce(docs: number[][], order: number, vocab: number) {
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
  const prob = (ctx: number[], w: number): number => {
    const lower = ctx.length === 0 ? 1 / vocab : prob(ctx.slice(1), w);
    const prefix = ctx.length ? ctx.join(',') + ',' : '';
    const n = ctx.length + 1;
    const d = disc(n);
    let total = 0;
    const buckets = [0, 0, 0];
    for (let v = 0; v < vocab; v++) {
      const c = kn.get(prefix + v) ?? 0;
      total += c;
      if (c > 0) buckets[Math.min(c, 3) - 1]++;
    }
    if (total === 0) return lower;
    const c = kn.get(prefix + w) ?? 0;
    const a = c > 0 ? Math.max(c - d[Math.min(c, 3) - 1], 0) : 0;
    return (a + (d[0] * buckets[0] + d[1] * buckets[1] + d[2] * buckets[2]) * lower) / total;
  };
  return prob;
}

function build(): GrowingTable {
  const g = new GrowingTable(ORDER, V);
  for (const d of DOCS) g.addSequence(d);
  return g;
}

function walk(t: NgramTable, ids: number[]): number[] {
  const s = new Scorer(t);
  let state = startState(t);
  const out: number[] = [];
  for (let i = 1; i < ids.length; i++) {
    out.push(s.prob(state, ids[i]));
    state = s.next;
  }
  return out;
}

describe('Kneser–Ney tables', () => {
  const growing = build();
  const frozen = growing.freeze();
  const brute = bruteForce(DOCS, ORDER, V);
  const probe = [BOS, 2, 3, 4, 2, 5, 3, 8, 6, 7, 4, EOS];

  it('match a brute-force recomputation from the definition, growing and frozen alike', () => {
    const expected = probe.slice(1).map((w, j) => {
      const i = j + 1;
      return brute(probe.slice(Math.max(0, i - ORDER + 1), i), w);
    });
    const fromGrowing = walk(growing, probe);
    const fromFrozen = walk(frozen, probe);
    for (let i = 0; i < expected.length; i++) {
      expect(fromGrowing[i]).toBeCloseTo(expected[i], 12);
      expect(fromFrozen[i]).toBeCloseTo(expected[i], 12);
    }
  });

  it('sum to 1 over the vocabulary for every context, and the dense distribution agrees', () => {
    const s = new Scorer(frozen);
    const states = [ROOT, startState(frozen), frozen.child(ROOT, 3), frozen.child(frozen.child(ROOT, 2), 3)];
    for (const state of states) {
      expect(state).toBeGreaterThanOrEqual(0);
      let sum = 0;
      const dense = new Float64Array(V);
      frozen.addDistribution(state, dense, 1);
      for (let w = 0; w < V; w++) {
        const p = s.prob(state, w);
        expect(p).toBeGreaterThan(0);
        expect(dense[w]).toBeCloseTo(p, 12);
        sum += p;
      }
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it('counts only the positions after the prompt when fine-tuning', () => {
    const g = new GrowingTable(ORDER, V);
    g.addSequence([BOS, 2, 3, 4, 5, EOS], 3);
    expect(g.tokensCounted).toBe(3);
    expect(g.kn(g.child(ROOT, 2))).toBe(0); // a prompt token is context only
    expect(g.total(ROOT)).toBeGreaterThan(0);
  });
});
