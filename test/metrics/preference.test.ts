import { describe, expect, it } from 'vitest';
import type { JudgeMethod } from '../../src/domain/models.js';
import { selfPreference, spbByItem, type PairJudgement } from '../../src/metrics/preference.js';

const j = (sourceA: string, sourceB: string, pA: number, method: JudgeMethod = 'logprobs', item?: string): PairJudgement => ({ judge: 'llama', item, sourceA, sourceB, pA, method });
const unreadable = (sourceA: string, sourceB: string, item?: string): PairJudgement => ({ judge: 'llama', item, sourceA, sourceB, pA: null, method: 'unparseable' });

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
    expect(r.methods).toEqual({ logprobs: 5, verdict: 1, likelihood: 0 });
    expect(r.unparseable).toBe(0);
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
    expect(() => selfPreference([{ ...unreadable('a', 'b'), pA: 0.5 } as unknown as PairJudgement], { own: 'a' })).toThrow(/null for an unparseable/);
  });

  it('counts unreadable judgements apart and leaves them out of S, SPB and PSB', () => {
    const withUnreadable = [...judgements, unreadable('llama', 'qwen'), unreadable('human', 'llama')];
    const r = selfPreference(withUnreadable, { own: 'llama', seed: 1, resamples: 200 });
    const clean = selfPreference(judgements, { own: 'llama', seed: 1, resamples: 200 });
    expect(r.unparseable).toBe(2);
    expect(r.judgements).toBe(6);
    // Read as 0.5 ties they would move S_llama from 0.775 toward 0.5.
    expect(r.sources.llama.s.value!.value).toBeCloseTo(0.775, 12);
    expect(r.sources.llama.appearances).toBe(4);
    expect(r.spb).toEqual(clean.spb);
    expect(r.psb).toEqual(clean.psb);
    const none = selfPreference([unreadable('llama', 'qwen')], { own: 'llama' });
    expect(none.spb.value).toBeNull();
    expect(none.spb.reason).toMatch(/1 unparseable/);
  });

  it('resamples whole instructions: with one instruction the interval is the point', () => {
    const one = judgements.map((x) => ({ ...x, item: 'q1' }));
    const r = selfPreference(one, { own: 'llama', seed: 3, resamples: 300 });
    expect(r.clusters).toBe(1);
    expect(r.spb.value).toEqual({ value: r.spb.value!.value, lo: r.spb.value!.value, hi: r.spb.value!.value });
    // Resampled one judgement at a time, the same six judgements give a wide interval.
    const single = selfPreference(judgements, { own: 'llama', seed: 3, resamples: 300 });
    expect(single.clusters).toBe(6);
    expect(single.spb.value!.hi - single.spb.value!.lo).toBeGreaterThan(0.1);
  });

  it('keeps the pairs of an instruction together: two instructions give SPB 1, 0 or −1 per resample', () => {
    // q1 always favours llama (S 1 vs 0), q2 never (S 0 vs 1). Resamples {q1,q1} → SPB 1 (p ¼),
    // {q1,q2} → 0 (p ½), {q2,q2} → −1 (p ¼): the 95% interval is exactly [−1, 1].
    const data = [
      j('llama', 'qwen', 1, 'logprobs', 'q1'), j('qwen', 'llama', 0, 'logprobs', 'q1'),
      j('llama', 'qwen', 0, 'logprobs', 'q2'), j('qwen', 'llama', 1, 'logprobs', 'q2'),
    ];
    const r = selfPreference(data, { own: 'llama', seed: 5, resamples: 400 });
    expect(r.clusters).toBe(2);
    expect(r.spb.value).toEqual({ value: 0, lo: -1, hi: 1 });
    // An order-free judge in both orders: position bias is 0 in every resample.
    expect(r.positionBias.value).toEqual({ value: 0, lo: 0, hi: 0 });
  });

  it('is seeded: the same seed gives the same intervals', () => {
    const data = judgements.map((x, i) => ({ ...x, item: `q${i % 3}` }));
    expect(selfPreference(data, { own: 'llama', seed: 9, resamples: 100 })).toEqual(selfPreference(data, { own: 'llama', seed: 9, resamples: 100 }));
  });

  it('leaves SPB, PSB and S undefined for a judge whose P(A) is the same whichever answer comes first', () => {
    // Always 0.7 for the first answer (a template's last tokens decide the label): no preference is read.
    const blind = [
      j('llama', 'qwen', 0.7, 'logprobs', 'q1'), j('qwen', 'llama', 0.7, 'logprobs', 'q1'),
      j('llama', 'human', 0.7, 'logprobs', 'q1'), j('human', 'llama', 0.7, 'logprobs', 'q1'),
      j('llama', 'qwen', 1, 'verdict', 'q2'), j('qwen', 'llama', 1, 'verdict', 'q2'),
    ];
    const r = selfPreference(blind, { own: 'llama', seed: 1, resamples: 50 });
    expect(r.bothOrders).toEqual({ pairs: 3, same: 3, answerBlind: true });
    const why = "the judge's verdicts do not depend on the answers: P(A) was the same whichever answer came first in all 3 pairs judged both ways — use a judge that reads them";
    expect(r.spb).toEqual({ value: null, reason: why });
    expect(r.psb).toEqual({ value: null, reason: why });
    expect(r.sources.llama.s).toEqual({ value: null, reason: why });
    // Its position bias is what it does measure.
    expect(r.positionBias.value!.value).toBeCloseTo(0.8 - 0.5, 12);
    expect(spbByItem(blind, { own: 'llama' }).size).toBe(0);

    // One pair that differs between orders is a judge that reads; so is a single matched pair that happens to agree.
    const reads = [...blind.slice(0, 4), j('llama', 'qwen', 0.9, 'logprobs', 'q2'), j('qwen', 'llama', 0.2, 'logprobs', 'q2')];
    expect(selfPreference(reads, { own: 'llama', resamples: 50 }).bothOrders).toEqual({ pairs: 3, same: 2, answerBlind: false });
    expect(selfPreference(blind.slice(0, 2), { own: 'llama', resamples: 50 }).bothOrders).toEqual({ pairs: 1, same: 1, answerBlind: false });
    expect(spbByItem(reads, { own: 'llama' }).size).toBe(2);
  });
});

