import { describe, expect, it } from 'vitest';
import { GrowingTable, ROOT, startState } from '../../src/engines/builtin/ngram.js';
import { nucleusThreshold, SparseDistribution, sampleSparse, sampleToken } from '../../src/engines/builtin/sampler.js';
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
const states = [ROOT, startState(table), table.child(ROOT, 3), table.child(table.child(ROOT, 2), 3)];

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

const denseOf = (state: number) => {
  const p = new Float64Array(V);
  table.addDistribution(state, p, 1);
  p[BOS] = 0;
  return p;
};

describe('sparse sampling', () => {
  const grid = 20_000;
  // Feed an even grid of uniforms: each token is drawn on a share of the grid equal to its probability.
  const histogram = (draw: (rand: () => number) => number) => {
    const counts = new Float64Array(V);
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
    it(`draws the straightforward sampler's distribution at temperature ${temperature}, top-p ${topP}`, () => {
      const d = new SparseDistribution(V);
      for (const state of states) {
        const want = reference(denseOf(state), temperature, topP);
        table.sparseDistribution(state, d);
        d.p[d.slot(BOS)] = 0;
        const sparse = histogram((rand) => sampleSparse(d, table.tail, temperature, topP, rand));
        const dense = histogram((rand) => sampleToken(denseOf(state), temperature, topP, rand, new Float64Array(V)));
        for (let w = 0; w < V; w++) {
          // Token order along the grid differs, so each count may be off by its two boundaries.
          expect(Math.abs(sparse[w] - want[w] * grid)).toBeLessThanOrEqual(2);
          expect(Math.abs(dense[w] - want[w] * grid)).toBeLessThanOrEqual(2);
        }
      }
    });
  }

  it('picks the most likely token at temperature 0, and is deterministic per seed', () => {
    const d = new SparseDistribution(V);
    for (const state of states) {
      const p = denseOf(state);
      table.sparseDistribution(state, d);
      d.p[d.slot(BOS)] = 0;
      expect(sampleSparse(d, table.tail, 0, 1, Math.random)).toBe(sampleToken(p, 0, 1, Math.random, new Float64Array(V)));
      const run = (seed: number) => {
        const rand = mulberry32(seed);
        return Array.from({ length: 50 }, () => sampleSparse(d, table.tail, 0.8, 0.95, rand));
      };
      expect(run(3)).toEqual(run(3));
    }
  });
});

describe('the nucleus threshold', () => {
  /** The definition: sort the masses ≥ floor descending and return the one where the running sum reaches topP·Z. */
  const bySorting = (q: Float64Array, z: number, topP: number, floor: number) => {
    const sorted = [...q].filter((x) => x >= floor && x > 0).sort((a, b) => b - a);
    let cum = 0;
    for (const x of sorted) {
      cum += x;
      if (cum >= topP * z) return x;
    }
    return undefined;
  };

  it('is the value a sort finds, on flat, peaked and tied distributions, above any floor', () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 300; trial++) {
      const v = 1 + Math.floor(rand() * 400);
      const q = new Float64Array(v);
      const shape = trial % 3;
      // Integer-valued masses make every sum exact, so ties and boundaries are tested without rounding.
      for (let w = 0; w < v; w++) q[w] = shape === 0 ? 1 + Math.floor(rand() * 3) : shape === 1 ? Math.floor(1000 * rand() ** 8) : Math.floor(rand() * 50);
      const z = q.reduce((a, b) => a + b, 0);
      for (const topP of [0.3, 0.9, 0.95, 1]) {
        for (const floor of [0, 1, 5, z]) expect(nucleusThreshold(q, z, topP, floor)).toBe(bySorting(q, z, topP, floor));
      }
    }
  });
});
