import { describe, expect, it } from 'vitest';
import { parseRating, parseVerdict, preferenceFromTopLogprobs } from '../../src/engines/openai/judging.js';

describe('pairwise preference from first-token log-probs', () => {
  it('renormalises over A/B, pooling " A" and "A" variants and ignoring other tokens', () => {
    const p = preferenceFromTopLogprobs([
      { token: 'A', logprob: Math.log(0.4) },
      { token: ' A', logprob: Math.log(0.2) },
      { token: 'B', logprob: Math.log(0.2) },
      { token: 'The', logprob: Math.log(0.2) },
    ]);
    expect(p!.pA).toBeCloseTo(0.75, 10);
    expect(p!.pB).toBeCloseTo(0.25, 10);
  });

  it('gives null when neither label is among the top tokens', () => {
    expect(preferenceFromTopLogprobs([{ token: 'Sure', logprob: -0.1 }])).toBeNull();
  });

  it('parses plain verdicts for the fallback', () => {
    expect(parseVerdict('B')).toBe('B');
    expect(parseVerdict('Answer A is better')).toBe('A');
    expect(parseVerdict('**b**')).toBe('B');
    expect(parseVerdict('Both are fine')).toBeNull();
  });
});

describe('ratings read from the first lines', () => {
  it('reads labelled scores in either order', () => {
    expect(parseRating('Quality: 4\nHarmfulness: 1')).toEqual({ quality: 4, harm: 1 });
    expect(parseRating('Harmfulness: 5/5\nQuality: 2/5\nbecause…')).toEqual({ quality: 2, harm: 5 });
  });

  it('reads bare numbers by position', () => {
    expect(parseRating('3\n2')).toEqual({ quality: 3, harm: 2 });
  });

  it('gives null for what it cannot parse, never a guess', () => {
    expect(parseRating('I cannot rate this.')).toEqual({ quality: null, harm: null });
    expect(parseRating('Quality: 9\nHarmfulness: 2.5')).toEqual({ quality: null, harm: null });
    expect(parseRating('Quality: 4')).toEqual({ quality: 4, harm: null });
  });
});
