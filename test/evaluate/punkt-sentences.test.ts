import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paperSentences, removeMarkdown, splitSentences } from '../../src/metrics/sentences.js';

/**
 * The rule-based splitter of the within-response Self-BLEU against NLTK Punkt's own output
 * (punkt-sentences.json, written once by punkt-sentences.py with Debian's NLTK: it says why the
 * untrained tokenizer is a fair reference for these cases and not for abbreviations).
 */
const fixture = JSON.parse(readFileSync(new URL('./punkt-sentences.json', import.meta.url), 'utf8')) as {
  generator: string;
  cases: { text: string; punkt: string[] }[];
};

/** Where the splitter and Punkt part ways, and what that does to the paper's metric. */
const DISAGREEMENTS: Record<string, string> = {
  // Punkt ends the sentence at the period and moves the closing "**" to the next sentence;
  // the paper's markdown filter removes both, so the metric sees the same sentences.
  '**Bold claim.** Another sentence follows here.': 'markdown emphasis after the period (harmless)',
};

/**
 * Cases the splitter once got wrong, now asserted to agree: Punkt never ends a sentence at an
 * ellipsis before a lowercase word, and (NLTK 3.8) an end mark before a curly quote is no boundary.
 */
const FIXED = ['Wait... what happened? Nobody knew.', 'It is done. “Curly quotes?” he asked. Yes.'];

describe('sentence splitter vs NLTK Punkt', () => {
  it('has the reference of ~40 tricky texts', () => {
    expect(fixture.generator).toMatch(/^nltk \d/);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(30);
    for (const text of [...Object.keys(DISAGREEMENTS), ...FIXED]) expect(fixture.cases.some((c) => c.text === text), text).toBe(true);
  });

  it.each(fixture.cases.filter((c) => !(c.text in DISAGREEMENTS)))('splits as Punkt does: $text', ({ text, punkt }) => {
    expect(splitSentences(text)).toEqual(punkt);
  });

  it.each(Object.entries(DISAGREEMENTS))('still differs from Punkt on %j (%s): on agreement, drop it from DISAGREEMENTS', (text) => {
    const { punkt } = fixture.cases.find((c) => c.text === text)!;
    expect(splitSentences(text)).not.toEqual(punkt);
  });

  it.each(FIXED)('agrees with Punkt where it once did not: %j', (text) => {
    expect(splitSentences(text)).toEqual(fixture.cases.find((c) => c.text === text)!.punkt);
  });

  it('still ends a sentence at an ellipsis before an uppercase word: only a lowercase one carries the sentence on', () => {
    expect(splitSentences('I waited... Nothing came. Then... we left.')).toEqual(['I waited...', 'Nothing came.', 'Then... we left.']);
  });

  it('gives the paper’s metric the same sentences where the difference is only markdown', () => {
    const text = '**Bold claim.** Another sentence follows here.';
    const { punkt } = fixture.cases.find((c) => c.text === text)!;
    expect(splitSentences(text).map(removeMarkdown)).toEqual(punkt.map(removeMarkdown));
    expect(paperSentences(text)).toEqual(['Another sentence follows here.']);
  });
});
