import { describe, expect, it } from 'vitest';
import { compressionRatio, distinctN, mattr, mtld, ttr } from '../../src/metrics/lexical.js';
import { indexNgrams } from '../../src/metrics/ngrams.js';
import { wordTokens } from '../../src/metrics/tokenize.js';

describe('default word tokenizer (DESIGN §6)', () => {
  it('lower-cases, NFC-normalises and keeps letters+marks or digit runs', () => {
    expect(wordTokens('Hello, WORLD! 42 cafe\u0301 x-ray')).toEqual(['hello', 'world', '42', 'café', 'x', 'ray']);
  });
  it('treats a CJK run as one token and drops emoji', () => {
    expect(wordTokens('日本語のテキスト 🙂 हिन्दी')).toEqual(['日本語のテキスト', 'हिन्दी']);
  });
  it('gives no tokens for empty or symbol-only text', () => {
    expect(wordTokens('')).toEqual([]);
    expect(wordTokens('🙂 … !!')).toEqual([]);
  });
});

describe('TTR and distinct-n', () => {
  it('TTR is types / tokens and undefined without tokens', () => {
    expect(ttr(['a', 'b', 'a', 'c']).value).toBe(0.75);
    expect(ttr(['one']).value).toBe(1);
    expect(ttr([])).toEqual({ value: null, reason: 'no tokens' });
  });
  it('distinct-n pools n-grams taken within each document', () => {
    const idx = indexNgrams([['a', 'b', 'a', 'b'], ['a', 'b']], 4);
    // bigrams: ab, ba, ab | ab → 2 unique / 4
    expect(distinctN(idx, 2).value).toBe(0.5);
    expect(distinctN(idx, 1).value).toBe(2 / 6);
    // No bigram crosses the boundary between documents: "b c" is never counted.
    expect(distinctN(indexNgrams([['a', 'b'], ['c', 'd']], 2), 2).value).toBe(1);
  });
  it('distinct-n is undefined when every document is shorter than n', () => {
    const idx = indexNgrams([['a', 'b'], ['c']], 4);
    expect(distinctN(idx, 3).value).toBeNull();
    expect(distinctN(idx, 3).reason).toContain('fewer than 3 tokens');
    expect(distinctN(indexNgrams([[]], 4), 1).value).toBeNull();
  });
});

describe('MATTR', () => {
  it('averages the TTR of every window', () => {
    expect(mattr(['a', 'a', 'b', 'b'], 2).value).toBeCloseTo(2 / 3, 15);
    expect(mattr(['a', 'b', 'a', 'c'], 2).value).toBe(1);
  });
  it('falls back to TTR for a text shorter than the window, null when empty', () => {
    expect(mattr(['a', 'a', 'b']).value).toBeCloseTo(2 / 3, 15);
    expect(mattr([]).value).toBeNull();
  });
});

describe('MTLD', () => {
  const a = Array.from({ length: 18 }, (_, i) => `a${i + 1}`);
  it('closes a factor when the running TTR reaches exactly 0.72 (≤, not <)', () => {
    // Forward: a1..a18 then a1×7 → TTR 18/25 = 0.72 at token 25 → one factor; b1 b2 leave TTR 1 → partial 0.
    //   MTLD→ = 27 / 1. (With "<" the factor would stay open: 27 / ((1 − 20/27) / 0.28) ≈ 29.16.)
    // Backward: b2 b1 a1 a1 a1 → 3/5 = 0.6 closes; a1 a1 closes; a1 a1 closes; a18..a1 all distinct → partial 0.
    //   MTLD← = 27 / 3 = 9.  Mean = 18.
    const tokens = [...a, ...Array(7).fill('a1'), 'b1', 'b2'];
    expect(mtld(tokens).value).toBeCloseTo(18, 12);
  });
  it('adds the partial factor (1 − TTR) / (1 − 0.72) as McCarthy & Jarvis do', () => {
    // Forward: a1..a18 a1×7 closes at 25 exactly, nothing left → 25 / 1.
    // Backward: a1 a1 | a1 a1 | a1 a1 | a1 a18 … a2 a1: partial (1 − 18/19) / 0.28.
    const tokens = [...a, ...Array(7).fill('a1')];
    const backward = 25 / (3 + (1 - 18 / 19) / 0.28);
    expect(mtld(tokens).value).toBeCloseTo((25 + backward) / 2, 12);
  });
  it('is undefined for empty text and for text where every token is distinct (one word)', () => {
    expect(mtld([]).value).toBeNull();
    expect(mtld(['word']).value).toBeNull();
    expect(mtld(['word']).reason).toContain('unbounded');
  });
});

describe('compression ratio', () => {
  it('is raw / gzip bytes: higher for repetitive text', () => {
    const repetitive = compressionRatio(Array(50).fill('the same sentence again')).value!;
    const varied = compressionRatio(['Quick zephyrs blow, vexing daft Jim.', 'Sphinx of black quartz, judge my vow!']).value!;
    expect(repetitive).toBeGreaterThan(10);
    expect(varied).toBeLessThan(1.2);
  });
  it('is undefined for no text', () => {
    expect(compressionRatio([]).value).toBeNull();
    expect(compressionRatio(['']).value).toBeNull();
  });
});
