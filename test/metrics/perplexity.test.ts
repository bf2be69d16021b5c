import { describe, expect, it } from 'vitest';
import { perplexity } from '../../src/metrics/perplexity.js';

describe('perplexity', () => {
  const a = { logprobs: [Math.log(0.5), Math.log(0.5)], text: 'ab' };
  const b = { logprobs: [Math.log(0.25), Math.log(0.25), Math.log(0.25), Math.log(0.25)], text: 'cdéf' };
  it('reports the mean of per-response perplexities, the corpus perplexity and bits per byte', () => {
    const r = perplexity([a, b]);
    // per response: 2 and 4 → mean 3
    expect(r.mean.value).toBeCloseTo(3, 12);
    // corpus: exp((2 ln2 + 4 ln4) / 6) = exp(10 ln2 / 6) = 2^(5/3)
    expect(r.corpus.value).toBeCloseTo(2 ** (5 / 3), 12);
    // NLL in bits: 2·1 + 4·2 = 10 bits over 2 + 5 UTF-8 bytes ("é" is two bytes)
    expect(r.bitsPerByte.value).toBeCloseTo(10 / 7, 12);
    expect(r.responses).toBe(2);
    expect(r.tokens).toBe(6);
  });
  it('skips and counts responses with no tokens; null when none are scored', () => {
    expect(perplexity([a, { logprobs: [], text: '' }]).emptySkipped).toBe(1);
    const none = perplexity([{ logprobs: [] }]);
    expect(none.mean.value).toBeNull();
    expect(none.mean.reason).toContain('no response');
  });
  it('gives no bits per byte without the texts', () => {
    expect(perplexity([{ logprobs: [-1] }]).bitsPerByte.value).toBeNull();
  });
  it('refuses log-probs that are not log-probabilities', () => {
    expect(() => perplexity([{ logprobs: [0.5] }])).toThrow(/≤ 0/);
    expect(() => perplexity([{ logprobs: [-Infinity] }])).toThrow(/finite/);
  });
});
