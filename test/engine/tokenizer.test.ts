import { describe, expect, it } from 'vitest';
import { pretokenCounts, trainBpeTokenizer, trainWordTokenizer, Tokenizer } from '../../src/engines/builtin/tokenizer.js';

const corpus = [
  'The Congress of the United States has the power to lay and collect taxes.',
  'The people of the United States have shown their confidence in the Government.',
  'Our commerce with foreign nations continues to prosper, and the revenue increases.',
];
const tricky = ['', 'Plain words.', '  leading and trailing  ', 'Tabs\tand\nnewlines\n\n', 'Émigré naïve café — “quotes”', '数据 🚀 emoji', "it's we've they'll", '\u0000\u001b[31mred'];

describe('tokenizers', () => {
  const counts = pretokenCounts(corpus);
  const word = trainWordTokenizer(counts, 20);
  const bpe = trainBpeTokenizer(counts, 60);

  it('round-trip any text, including bytes never seen in training', () => {
    for (const tok of [word, bpe]) for (const t of [...corpus, ...tricky]) expect(tok.decode(tok.encode(t))).toBe(t);
  });

  it('learn units that shorten the corpus, and rebuild identically from their spec', () => {
    const bytes = new TextEncoder().encode(corpus[0]).length;
    expect(word.encode(corpus[0]).length).toBeLessThan(bytes / 2);
    expect(bpe.encode(corpus[0]).length).toBeLessThan(bytes / 2);
    for (const tok of [word, bpe]) expect(new Tokenizer(tok.spec).encode(corpus[1])).toEqual(tok.encode(corpus[1]));
    expect(word.name).toMatch(/^word-\d+$/);
    expect(bpe.name).toMatch(/^bpe-\d+$/);
  });

  it('stream-decode multi-byte characters split across byte tokens', () => {
    const ids = bpe.encode('🚀 café');
    const feed = bpe.streamDecoder();
    expect(ids.map(feed).join('')).toBe('🚀 café');
  });
});
