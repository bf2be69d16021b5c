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
  // Punkt never starts a sentence at a lowercase word after an ellipsis; the splitter ends one
  // at every "..." before whitespace, so a trailing-off clause becomes sentences of its own.
  'Wait... what happened? Nobody knew.': 'ellipsis before a lowercase word',
  // Punkt (NLTK 3.8) lets only straight quotes and brackets follow an end mark: "?” he asked"
  // is no boundary, so a curly-quoted question stays in its sentence. The splitter ends it.
  'It is done. “Curly quotes?” he asked. Yes.': 'curly closing quote after an end mark',
  // Punkt ends the sentence at the period and moves the closing "**" to the next sentence;
  // the paper's markdown filter removes both, so the metric sees the same sentences.
  '**Bold claim.** Another sentence follows here.': 'markdown emphasis after the period (harmless)',
};

describe('sentence splitter vs NLTK Punkt', () => {
  it('has the reference of ~40 tricky texts', () => {
    expect(fixture.generator).toMatch(/^nltk \d/);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(30);
    for (const text of Object.keys(DISAGREEMENTS)) expect(fixture.cases.some((c) => c.text === text), text).toBe(true);
  });

  it.each(fixture.cases.filter((c) => !(c.text in DISAGREEMENTS)))('splits as Punkt does: $text', ({ text, punkt }) => {
    expect(splitSentences(text)).toEqual(punkt);
  });

  it.each(Object.entries(DISAGREEMENTS))('still differs from Punkt on %j (%s): on agreement, drop it from DISAGREEMENTS', (text) => {
    const { punkt } = fixture.cases.find((c) => c.text === text)!;
    expect(splitSentences(text)).not.toEqual(punkt);
  });

  it('gives the paper’s metric the same sentences where the difference is only markdown', () => {
    const text = '**Bold claim.** Another sentence follows here.';
    const { punkt } = fixture.cases.find((c) => c.text === text)!;
    expect(splitSentences(text).map(removeMarkdown)).toEqual(punkt.map(removeMarkdown));
    expect(paperSentences(text)).toEqual(['Another sentence follows here.']);
  });
});
