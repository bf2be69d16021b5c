import { describe, expect, it } from 'vitest';
import { AdaptedTables } from '../../src/engines/builtin/adapted.js';
import { GrowingTable, type NgramTable } from '../../src/engines/builtin/ngram.js';
import { SparseDistribution } from '../../src/engines/builtin/sampler.js';
import { BOS, EOS } from '../../src/engines/builtin/tokenizer.js';
import { knByDefinition, TINY_CORPUS } from '../helpers/kn.js';

const V = 12;
const ORDER = 3;
const BASE_DOCS = TINY_CORPUS.slice(0, 3);
// Fine-tuning text: some contexts the base knows (2 3), some it never saw (9 10 11).
const TUNE_DOCS = [
  [BOS, 9, 10, 11, 2, 3, 9, EOS],
  [BOS, 2, 3, 9, 10, 11, 9, EOS],
];
const LAMBDA = 0.4;
const PROBE = [BOS, 2, 3, 9, 10, 11, 4, 2, 3, 5, 8, 6, 10, EOS];

function table(docs: number[][]): GrowingTable {
  const g = new GrowingTable(ORDER, V);
  for (const d of docs) g.addSequence(d);
  return g;
}

/** Count merging from the definition: every level's terms of both tables, weighted by τ. */
function mergedByDefinition(lambda: number) {
  const base = knByDefinition(BASE_DOCS, ORDER, V);
  const tune = knByDefinition(TUNE_DOCS, ORDER, V);
  const tau = ((lambda / (1 - lambda)) * base.level([], 0).total) / tune.level([], 0).total;
  const prob = (ctx: number[], w: number): number => {
    const lower = ctx.length === 0 ? 1 / V : prob(ctx.slice(1), w);
    let num = 0;
    let z = 0;
    for (const [m, t] of [
      [base, 1],
      [tune, tau],
    ] as const) {
      const { a, gamma, total } = m.level(ctx, w);
      if (total === 0) continue;
      num += t * (a + gamma * lower);
      z += t * total;
    }
    return z === 0 ? lower : num / z;
  };
  return prob;
}

const probsOf = (m: AdaptedTables, ids: number[]) => Array.from(m.logProbs(ids, 1), Math.exp);

describe('a base adapted by a fine-tuning delta', () => {
  const base = table(BASE_DOCS);
  const delta = table(TUNE_DOCS);

  it('is Kneser–Ney over the merged counts, from the definition, growing and frozen alike', () => {
    const want = mergedByDefinition(LAMBDA);
    const expected = PROBE.slice(1).map((w, j) => want(PROBE.slice(Math.max(0, j + 2 - ORDER), j + 1), w));
    for (const [b, d] of [
      [base, delta],
      [base.freeze(), delta.freeze()],
    ] as [NgramTable, NgramTable][]) {
      const got = probsOf(new AdaptedTables(b, d, LAMBDA), PROBE);
      expected.forEach((p, i) => expect(got[i]).toBeCloseTo(p, 12));
    }
  });

  it('gives the fine-tuning data the unigram share λ, and follows it where only it has evidence', () => {
    const m = new AdaptedTables(base.freeze(), delta.freeze(), LAMBDA);
    const baseOnly = new AdaptedTables(base.freeze());
    // τ·T_delta(root) / (T_base(root) + τ·T_delta(root)) = λ.
    const share = (m.tau[1] * delta.total(0)) / (base.total(0) + m.tau[1] * delta.total(0));
    expect(share).toBeCloseTo(LAMBDA, 12);
    // After "9 10" (never seen by the base) the delta's 11 dominates; the base alone is near uniform.
    const after = [BOS, 9, 10, 11];
    expect(probsOf(m, after)[2]).toBeGreaterThan(0.5);
    expect(probsOf(baseOnly, after)[2]).toBeLessThan(0.15);
  });

  it('is the base itself without a delta, with weight 0, and after fine-tuning on the pretraining text', () => {
    const b = base.freeze();
    const plain = probsOf(new AdaptedTables(b), PROBE);
    expect(probsOf(new AdaptedTables(b, delta.freeze(), 0), PROBE)).toEqual(plain);
    // The same counts again, at any weight: the merged counts are the base's, scaled.
    const same = probsOf(new AdaptedTables(b, table(BASE_DOCS).freeze(), 0.7), PROBE);
    plain.forEach((p, i) => expect(same[i]).toBeCloseTo(p, 12));
  });

  it('sums to 1 after every prefix, and its distribution agrees with the probability of each token', () => {
    const m = new AdaptedTables(base.freeze(), delta.freeze(), LAMBDA);
    const scratch = new SparseDistribution(V);
    const dense = new Float64Array(V);
    const cursor = m.cursor();
    for (const id of PROBE) {
      cursor.distribution(dense, scratch);
      let sum = 0;
      for (let w = 0; w < V; w++) {
        const p = m.cursor(cursor.states).advance(w);
        expect(p).toBeGreaterThan(0);
        expect(dense[w]).toBeCloseTo(p, 12);
        sum += p;
      }
      expect(sum).toBeCloseTo(1, 12);
      cursor.advance(id);
    }
  });

  it('refuses a weight of 1, which would leave no base', () => {
    expect(() => new AdaptedTables(base.freeze(), delta.freeze(), 1)).toThrow(/below 1/);
  });
});
