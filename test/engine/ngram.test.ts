import { describe, expect, it } from 'vitest';
import { AdaptedTables } from '../../src/engines/builtin/adapted.js';
import { GrowingTable, ROOT, type NgramTable } from '../../src/engines/builtin/ngram.js';
import { SparseDistribution } from '../../src/engines/builtin/sampler.js';
import { BOS, EOS } from '../../src/engines/builtin/tokenizer.js';
import { knByDefinition, TINY_CORPUS } from '../helpers/kn.js';

const V = 9;
const ORDER = 3;
const DOCS = TINY_CORPUS;

function build(): GrowingTable {
  const g = new GrowingTable(ORDER, V);
  for (const d of DOCS) g.addSequence(d);
  return g;
}

function walk(t: NgramTable, ids: number[]): number[] {
  return Array.from(new AdaptedTables(t).logProbs(ids, 1), Math.exp);
}

describe('Kneser–Ney tables', () => {
  const growing = build();
  const frozen = growing.freeze();
  const brute = knByDefinition(DOCS, ORDER, V).prob;
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
    const model = new AdaptedTables(frozen);
    const states = [ROOT, frozen.child(ROOT, BOS), frozen.child(ROOT, 3), frozen.child(frozen.child(ROOT, 2), 3)];
    for (const state of states) {
      expect(state).toBeGreaterThanOrEqual(0);
      let sum = 0;
      const dense = new Float64Array(V);
      model.cursor([state]).distribution(dense, new SparseDistribution(V));
      for (let w = 0; w < V; w++) {
        const p = model.cursor([state]).advance(w);
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
