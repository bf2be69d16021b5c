import { describe, expect, it } from 'vitest';
import { bootstrapMean, bootstrapShare, pairedBootstrap, pairedPermutationTest, percentile } from '../../src/metrics/stats.js';

describe('bootstrap', () => {
  it('percentile interpolates like numpy', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
  });
  it('gives the mean, a seeded interval around it, and n', () => {
    const xs = Array.from({ length: 200 }, (_, i) => (i % 10) / 10);
    const a = bootstrapMean(xs, { seed: 7 }).value!;
    expect(a.mean).toBeCloseTo(0.45, 12);
    expect(a.n).toBe(200);
    expect(a.lo).toBeLessThan(0.45);
    expect(a.hi).toBeGreaterThan(0.45);
    // standard error ≈ 0.287/√200 ≈ 0.0203 → half-width ≈ 0.04
    expect(a.hi - a.lo).toBeGreaterThan(0.06);
    expect(a.hi - a.lo).toBeLessThan(0.1);
    expect(bootstrapMean(xs, { seed: 7 })).toEqual(bootstrapMean(xs, { seed: 7 }));
  });
  it('collapses to the value for constant data, null for no data', () => {
    expect(bootstrapMean([2, 2, 2]).value).toEqual({ mean: 2, lo: 2, hi: 2, n: 3 });
    expect(bootstrapMean([]).value).toBeNull();
  });
});

describe('paired comparisons', () => {
  it('exact sign-flip permutation p for small n', () => {
    // d = [1,1,1]: only the all-plus and all-minus patterns reach |mean| = 1 → 2/8.
    expect(pairedPermutationTest([2, 2, 2], [1, 1, 1]).value).toBe(0.25);
    // d = [1, −1]: every pattern has |mean| ≥ 0 → p = 1.
    expect(pairedPermutationTest([1, 0], [0, 1]).value).toBe(1);
  });
  it('small p for a clear shift, large p for none, with many items (Monte Carlo)', () => {
    const base = Array.from({ length: 100 }, (_, i) => Math.sin(i));
    expect(pairedPermutationTest(base.map((x) => x + 0.5), base).value).toBeLessThan(0.001);
    const noise = base.map((x, i) => x + (i % 2 ? 0.01 : -0.01));
    expect(pairedPermutationTest(noise, base).value).toBeGreaterThan(0.5);
  });
  it('paired bootstrap gives the mean difference with its interval and p', () => {
    const b = Array.from({ length: 60 }, (_, i) => (i * 7) % 11);
    const a = b.map((x, i) => x + 1 + ((i % 3) - 1) * 0.1);
    const r = pairedBootstrap(a, b, { seed: 3 }).value!;
    expect(r.mean).toBeCloseTo(1, 12);
    expect(r.lo).toBeGreaterThan(0.9);
    expect(r.hi).toBeLessThan(1.1);
    // No resample crosses 0: p is the smallest 2000 resamples can show, 2 · 1 / 2001, never 0.
    expect(r.p).toBe(2 / 2001);
  });
  it('paired bootstrap p is (k + 1) / (R + 1) on the rarer side, doubled and capped at 1', () => {
    const r = pairedBootstrap([1, 1, 1], [1, 1, 1], { seed: 1, resamples: 99 }).value!;
    // Every resampled difference is 0: k = 99 on both sides → 2 · 100 / 100 capped at 1.
    expect(r.p).toBe(1);
  });
  it('refuses unpaired data', () => {
    expect(() => pairedBootstrap([1], [1, 2])).toThrow(/one value per item/);
  });
});

describe('bootstrapShare', () => {
  it('is the bootstrap wherever the items disagree', () => {
    const some = [0, 1, 0, 0, 1, 0, 0, 0, 1, 0];
    expect(bootstrapShare(some, { seed: 3 })).toEqual(bootstrapMean(some, { seed: 3 }));
  });

  it('gives 0 of 30 the Wilson interval [0, 11.4%], not the bootstrap\'s [0, 0], and 30 of 30 its mirror', () => {
    const none = Array<number>(30).fill(0);
    expect(bootstrapMean(none).value).toMatchObject({ lo: 0, hi: 0 });
    const zero = bootstrapShare(none).value!;
    expect(zero).toMatchObject({ mean: 0, lo: 0, n: 30 });
    // z² / (n + z²) with z = 1.96: the upper Wilson bound at an observed share of 0.
    expect(zero.hi).toBeCloseTo(3.8415 / 33.8415, 4);
    const all = bootstrapShare(Array<number>(30).fill(1)).value!;
    expect(all.lo).toBeCloseTo(1 - zero.hi, 12);
    expect(all.hi).toBe(1);
    expect(bootstrapShare([]).reason).toMatch(/no items/);
  });
});
