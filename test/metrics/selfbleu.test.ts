import { describe, expect, it } from 'vitest';
import { closestRefLength, sacreSentenceBleu, tokenize13a } from '../../src/metrics/sacrebleu.js';
import { crossResponseSelfBleu, responseSelfBleu, withinResponseSelfBleu } from '../../src/metrics/selfbleu.js';
import { paperSentences, splitSentences } from '../../src/metrics/sentences.js';

describe('sacrebleu 13a tokenizer', () => {
  it('splits punctuation like mteval-v13a, keeping decimals, thousands, apostrophes and inner dashes', () => {
    // Reference: sacrebleu's Tokenizer13a + TokenizerRegexp rules applied by hand in Python (re.sub).
    expect(tokenize13a('Hello, world! It\'s 3.5 x-ray (test) 1,000-2 U.S.A. e-mail &amp; "q".')).toEqual([
      'Hello', ',', 'world', '!', "It's", '3.5', 'x-ray', '(', 'test', ')', '1,000', '-', '2',
      'U', '.', 'S', '.', 'A', '.', 'e-mail', '&', '"', 'q', '"', '.',
    ]);
  });
  it('gives no tokens for blank input', () => {
    expect(tokenize13a('  \n ')).toEqual([]);
  });
});

describe('sacrebleu sentence BLEU (exp smoothing, effective order)', () => {
  const tok = (s: string) => tokenize13a(s);
  it('matches values computed by hand from sacrebleu 2.x compute_bleu', () => {
    // Python transcription of sacrebleu's algorithm (13a, max-count refs, closest ref length,
    // exp smoothing, effective order): "Cat sat." vs "The cat sat on the mat." → 9.138402379955025.
    expect(sacreSentenceBleu(tok('Cat sat.'), [tok('The cat sat on the mat.')])).toBeCloseTo(9.138402379955025, 10);
    // No match at any order: sacrebleu's early stop returns 0.
    expect(sacreSentenceBleu(tok('Nothing here'), [tok('Other words only')])).toBe(0);
    expect(sacreSentenceBleu(tok('the same words'), [tok('the same words')])).toBeCloseTo(100, 10);
  });
  it('picks the closest reference length, the shorter one on a tie', () => {
    expect(closestRefLength(5, [3, 7, 9])).toBe(3);
    expect(closestRefLength(5, [7, 4])).toBe(4);
    expect(closestRefLength(5, [5, 4])).toBe(5);
  });
});

describe('within-response Self-BLEU (the paper)', () => {
  const sents = ['The cat sat on the mat today.', 'The cat sat on a mat, again!', 'Dogs (and cats) ran 3.5 km quickly.', 'A very different sentence entirely.'];
  it('averages each sentence against the others (hand-computed sacrebleu values)', () => {
    // Per-sentence: 33.764591090632756, 31.55984539112946, 4.196114906296549, 5.815868174415823.
    expect(responseSelfBleu(sents)).toBeCloseTo(18.834104890618647, 10);
  });
  it('equals the direct sentence-BLEU loop', () => {
    const t = sents.map(tokenize13a);
    const direct = t.reduce((s, h, i) => s + sacreSentenceBleu(h, t.filter((_, j) => j !== i)), 0) / t.length;
    expect(responseSelfBleu(sents)).toBeCloseTo(direct, 12);
  });
  it('equals the direct loop on many sentences of shared and unique lengths (the closest other length found by search)', () => {
    const words = ['a', 'b', 'c', 'd', 'e', 'f'];
    let r = 7;
    const next = () => (r = (r * 1103515245 + 12345) % 2147483648);
    const many = Array.from({ length: 60 }, (_, i) => Array.from({ length: i === 59 ? 40 : 2 + (next() % 6) }, () => words[next() % words.length]).join(' ') + '.');
    const t = many.map(tokenize13a);
    const direct = t.reduce((s, h, i) => s + sacreSentenceBleu(h, t.filter((_, j) => j !== i)), 0) / t.length;
    expect(responseSelfBleu(many)).toBeCloseTo(direct, 12);
  });
  it('is undefined below two sentences, and such responses are skipped and counted', () => {
    expect(responseSelfBleu(['Only one sentence here, really.'])).toBeNull();
    const r = withinResponseSelfBleu([sents.join(' '), 'Only one sentence here, really.', 'Too short.', ''], { seed: 1 });
    expect(r.scored).toBe(1);
    expect(r.skipped).toBe(1);
    expect(r.ineligible).toBe(2);
    expect(r.selfBleu.value).toBeCloseTo(18.834104890618647, 10);
    expect(r.lexicalDiversity.value).toBeCloseTo(100 - 18.834104890618647, 10);
  });
  it("keeps each sampled response's score, in input order, for the interval", () => {
    const other = 'The dog ran to the park. A cat sat on the warm mat. The dog ran back home again.';
    const all = withinResponseSelfBleu([other, 'Only one sentence here, really.', sents.join(' ')], { seed: 3 });
    expect(all.scores).toHaveLength(2);
    expect(all.scores[0]).toBeCloseTo(responseSelfBleu(paperSentences(other))!, 12);
    expect(all.scores[1]).toBeCloseTo(18.834104890618647, 10);
    // A smaller sample scores only its own responses, and its value is their mean.
    const one = withinResponseSelfBleu([other, sents.join(' ')], { seed: 3, sampleSize: 1 });
    expect(one.scores).toHaveLength(1);
    expect(one.selfBleu.value).toBeCloseTo(one.scores[0], 12);
  });
  it('is null with a reason when nothing can be scored', () => {
    const r = withinResponseSelfBleu(['', 'Hi.']);
    expect(r.selfBleu).toEqual({ value: null, reason: expect.stringContaining('two or more sentences') });
  });
  it('splits sentences and applies the paper filters', () => {
    expect(splitSentences('Dr. Smith went home. He slept! Did he? Yes.')).toEqual(['Dr. Smith went home.', 'He slept!', 'Did he?', 'Yes.']);
    expect(paperSentences('## 1. **Bold claim here is true.** Short one. 2. Another full sentence right here.')).toEqual([
      'Bold claim here is true.',
      'Another full sentence right here.',
    ]);
  });
});

describe('cross-response Self-BLEU (NLTK sentence_bleu, method1)', () => {
  const docs = ['the cat sat on the mat', 'the cat sat on a mat today', 'a dog ran', 'dogs and cats', 'the the the the', 'cat'].map((d) => d.split(' '));
  it('equals NLTK 3.8 sentence_bleu per hypothesis', () => {
    // /usr/bin/python3, nltk 3.8: sentence_bleu(others, doc, smoothing_function=SmoothingFunction().method1)
    const nltk = [0.4760116549244004, 0.45499414040480374, 0.11362193664674995, 0, 0.09554427922043669, 0.024066394763145416];
    const r = crossResponseSelfBleu(docs);
    expect(r.hypotheses).toBe(6);
    r.scores.forEach((s) => expect(s.bleu).toBeCloseTo(nltk[s.doc], 14));
    expect(r.selfBleu.value).toBeCloseTo(0.19403973432658936, 14);
  });
  it('leaves empty responses out of both roles, and needs two non-empty ones', () => {
    const r = crossResponseSelfBleu([[], ...docs, []]);
    expect(r.emptySkipped).toBe(2);
    expect(r.selfBleu.value).toBeCloseTo(0.19403973432658936, 14);
    expect(crossResponseSelfBleu([['a'], []]).selfBleu.value).toBeNull();
  });
  it('samples a fixed, seeded set of hypotheses above the cap', () => {
    const many = Array.from({ length: 50 }, (_, i) => ['w' + (i % 7), 'x' + (i % 3), 'y']);
    const a = crossResponseSelfBleu(many, { cap: 10, seed: 3 });
    const b = crossResponseSelfBleu(many, { cap: 10, seed: 3 });
    expect(a.sampled).toBe(true);
    expect(a.hypotheses).toBe(10);
    expect(a.scores).toEqual(b.scores);
    const full = crossResponseSelfBleu(many, { cap: 100 });
    for (const s of a.scores) expect(s.bleu).toBe(full.scores.find((f) => f.doc === s.doc)!.bleu);
  });
});
