import { describe, expect, it } from 'vitest';
import { AdaptedTables } from '../../src/engines/builtin/adapted.js';
import { GrowingTable, ROOT } from '../../src/engines/builtin/ngram.js';
import { SparseDistribution, sampleSparse } from '../../src/engines/builtin/sampler.js';
import { BOS, EOS } from '../../src/engines/builtin/tokenizer.js';
import { mulberry32 } from '../../src/util/rng.js';

// 40 ids, of which only 2..9 occur: ids 10..39 share the uniform floor, so the tail has ties.
const V = 40;
const g = new GrowingTable(3, V);
for (const doc of [
  [BOS, 2, 3, 4, 2, 3, 5, EOS],
  [BOS, 2, 3, 4, 6, 3, 4, EOS],
  [BOS, 7, 2, 3, 8, 2, 3, 4, 9, EOS],
  [BOS, 3, 4, 2, 3, 4, 2, 5, 6, EOS],
]) {
  g.addSequence(doc);
}
const table = g.freeze();
const states = [ROOT, table.child(ROOT, BOS), table.child(ROOT, 3), table.child(table.child(ROOT, 2), 3)];
// A fine-tuning delta that knows contexts the base lacks (10 11) and new tokens (10..12).
const tune = new GrowingTable(3, V);
for (const doc of [
  [BOS, 10, 11, 12, 2, 3, 10, EOS],
  [BOS, 2, 3, 10, 11, 12, 4, EOS],
]) {
  tune.addSequence(doc);
}
const delta = tune.freeze();
/** The base alone and the base adapted by the delta, each at positions that exercise both tables. */
const models: [string, AdaptedTables, number[][]][] = [
  ['a base', new AdaptedTables(table), states.map((s) => [s])],
  [
    'a fine-tuned model',
    new AdaptedTables(table, delta, 0.4),
    [[], [BOS], [BOS, 2, 3], [BOS, 10, 11], [BOS, 2, 3, 10]].map((ids) => {
      const c = new AdaptedTables(table, delta, 0.4).cursor();
      for (const id of ids) c.advance(id);
      return Array.from(c.states);
    }),
  ],
];

/** The straightforward sampler: temper every token, sort all, cut the nucleus, renormalise. */
function reference(p: Float64Array, temperature: number, topP: number): Float64Array {
  const q = p.map((x) => Math.pow(x, 1 / temperature));
  const z = q.reduce((a, b) => a + b, 0);
  const sorted = [...q].sort((a, b) => b - a);
  let threshold = 0;
  let cum = 0;
  for (const x of sorted) {
    cum += x;
    threshold = x;
    if (cum >= topP * z) break;
  }
  const kept = q.map((x) => (x >= threshold ? x : 0));
  const mass = kept.reduce((a, b) => a + b, 0);
  return kept.map((x) => x / mass);
}

const denseOf = (model: AdaptedTables, at: number[]) => {
  const p = new Float64Array(V);
  model.cursor(at).distribution(p, new SparseDistribution(V));
  p[BOS] = 0;
  return p;
};
const sparseOf = (model: AdaptedTables, at: number[], d: SparseDistribution) => {
  model.cursor(at).sparseDistribution(d);
  d.p[d.slot(BOS)] = 0;
};
const argmax = (p: Float64Array) => p.reduce((best, x, w) => (x > p[best] ? w : best), 0);

describe('sparse sampling', () => {
  const grid = 20_000;
  // Feed an even grid of uniforms: each token is drawn on a share of the grid equal to its probability.
  const histogram = (draw: (rand: () => number) => number, vocab = V) => {
    const counts = new Float64Array(vocab);
    for (let i = 0; i < grid; i++) counts[draw(() => (i + 0.5) / grid)]++;
    return counts;
  };

  for (const [temperature, topP] of [
    [1, 1],
    [0.8, 0.95],
    [1.5, 0.6],
    [0.5, 1],
    [1, 0.3],
  ]) {
    for (const [name, model, positions] of models) {
      it(`draws the straightforward sampler's distribution for ${name} at temperature ${temperature}, top-p ${topP}`, () => {
        const d = new SparseDistribution(V);
        for (const at of positions) {
          const want = reference(denseOf(model, at), temperature, topP);
          sparseOf(model, at, d);
          const sparse = histogram((rand) => sampleSparse(d, model.tail, temperature, topP, rand));
          // Token order along the grid differs, so each count may be off by its two boundaries.
          for (let w = 0; w < V; w++) expect(Math.abs(sparse[w] - want[w] * grid)).toBeLessThanOrEqual(2);
        }
      });
    }
  }

  it('picks the most likely token at temperature 0, and is deterministic per seed', () => {
    const d = new SparseDistribution(V);
    for (const [, model, positions] of models) {
      for (const at of positions) {
        sparseOf(model, at, d);
        expect(sampleSparse(d, model.tail, 0, 1, Math.random)).toBe(argmax(denseOf(model, at)));
        const run = (seed: number) => {
          const rand = mulberry32(seed);
          return Array.from({ length: 50 }, () => sampleSparse(d, model.tail, 0.8, 0.95, rand));
        };
        expect(run(3)).toEqual(run(3));
      }
    }
  });

  it('keeps the long flat tail of a large vocabulary in the nucleus when the tail holds more than 1 − topP', () => {
    // 6000 ids, 29 seen: the uniform floor gives each unseen id under 0.01% of the mass, yet
    // together they hold far more than 5%, so the nucleus must reach deep into the tail.
    const big = 6000;
    const gt = new GrowingTable(2, big);
    for (let k = 0; k < 40; k++) gt.addSequence([BOS, 2 + (k % 29), 2 + ((k * 7) % 29), EOS]);
    const model = new AdaptedTables(gt.freeze());
    const d = new SparseDistribution(big);
    for (const [temperature, topP] of [
      [1, 0.95],
      [1.3, 0.9],
    ]) {
      for (const at of [[0], [model.tables[0].child(0, 2)]]) {
        const p = new Float64Array(big);
        model.cursor(at).distribution(p, d);
        p[BOS] = 0;
        const want = reference(p, temperature, topP);
        expect(want.filter((x) => x > 0).length).toBeGreaterThan(1000);
        model.cursor(at).sparseDistribution(d);
        d.p[d.slot(BOS)] = 0;
        const got = histogram((rand) => sampleSparse(d, model.tail, temperature, topP, rand), big);
        for (let w = 0; w < big; w++) expect(Math.abs(got[w] - want[w] * grid)).toBeLessThanOrEqual(2);
      }
    }
  });
});
