import { describe, expect, it } from 'vitest';
import { selfPreference, type PairJudgement } from '../../src/metrics/preference.js';

const j = (sourceA: string, sourceB: string, pA: number, method: PairJudgement['method'] = 'logprobs'): PairJudgement => ({ judge: 'llama', sourceA, sourceB, pA, method });

describe('self-preference', () => {
  // Both orders of each pair.
  const judgements = [
    j('llama', 'qwen', 0.8), j('qwen', 'llama', 0.4),
    j('llama', 'human', 0.9), j('human', 'llama', 0.2),
    j('qwen', 'human', 0.7), j('human', 'qwen', 0.5, 'verdict'),
  ];
  it('computes S per source over both positions, SPB, PSB and position bias', () => {
    const r = selfPreference(judgements, { own: 'llama', seed: 1, resamples: 500 });
    // S_llama = mean(0.8, 0.6, 0.9, 0.8) = 0.775; S_qwen = mean(0.2, 0.4, 0.7, 0.5) = 0.45;
    // S_human = mean(0.1, 0.2, 0.3, 0.5) = 0.275
    expect(r.sources.llama.s.value!.value).toBeCloseTo(0.775, 12);
    expect(r.sources.qwen.s.value!.value).toBeCloseTo(0.45, 12);
    expect(r.sources.human.s.value!.value).toBeCloseTo(0.275, 12);
    expect(r.sources.llama.appearances).toBe(4);
    expect(r.spb.value!.value).toBeCloseTo(0.775 - 0.45, 12);
    expect(r.psb.value!.value).toBeCloseTo((0.775 + 0.45) / 2 - 0.275, 12);
    // mean pA = 3.5 / 6
    expect(r.positionBias.value!.value).toBeCloseTo(3.5 / 6 - 0.5, 12);
    expect(r.methods).toEqual({ logprobs: 5, verdict: 1 });
    const spb = r.spb.value!;
    expect(spb.lo).toBeLessThanOrEqual(spb.value);
    expect(spb.hi).toBeGreaterThanOrEqual(spb.value);
  });
  it('says why SPB or PSB is missing', () => {
    const r = selfPreference([j('llama', 'human', 0.6)], { own: 'llama', resamples: 50 });
    expect(r.spb.value).toBeNull();
    expect(r.spb.reason).toContain('other LLM source');
    expect(r.psb.value!.value).toBeCloseTo(0.6 - 0.4, 12);
  });
  it('refuses mixed judges and non-probabilities', () => {
    expect(() => selfPreference([j('a', 'b', 0.5), { ...j('a', 'b', 0.5), judge: 'qwen' }], { own: 'a' })).toThrow(/per judge/);
    expect(() => selfPreference([j('a', 'b', 1.5)], { own: 'a' })).toThrow(/probability/);
  });
});
