/**
 * Self-BLEU, two ways.
 *
 * (a) The paper's within-response Self-BLEU (its `sacre_bleu` notebook): each response is
 *     split into sentences (sentences.ts, with the paper's filters); each sentence is scored
 *     with sacrebleu sentence BLEU against all the *other* sentences of the same response as
 *     references; the response's score is the mean over its sentences; the corpus score is the
 *     mean over a seeded sample of 500 responses. Following the paper's code, the sample is
 *     drawn from responses with at least one kept sentence, and sampled responses with fewer
 *     than two are skipped (counted in `skipped`), never scored 0 or 100. Lexical diversity is
 *     100 − that Self-BLEU. (The paper samples with numpy's RNG; we use mulberry32, so the
 *     sample, not the definition, differs.)
 *
 * (b) Cross-response Self-BLEU: every response (§6 word tokens) is the hypothesis against all
 *     other responses as references, scored exactly as NLTK's `sentence_bleu` with uniform
 *     weights (¼ each for orders 1–4) and `SmoothingFunction().method1` (ε = 0.1): clipped
 *     counts use the maximum count of an n-gram across the references, the brevity penalty
 *     uses the closest reference length (ties → shorter), a hypothesis without any unigram
 *     match scores 0, and a zero match count at order n becomes 0.1 / max(1, total_n).
 *     Responses with no tokens take part in neither role (counted in `emptySkipped`).
 *     Above `cap` responses, a seeded sample of `cap` hypotheses is scored (references stay
 *     all other responses).
 */
import { mulberry32, sample } from '../util/rng.js';
import { countIds, indexNgrams, type NgramIndex } from './ngrams.js';
import { ngramCounts, sacreBleuFromCounts, tokenize13a } from './sacrebleu.js';
import { paperSentences } from './sentences.js';
import { defined, undefinedBecause, type MetricValue } from './value.js';

export interface WithinSelfBleu {
  /** Mean within-response Self-BLEU, 0–100. */
  selfBleu: MetricValue;
  /** 100 − selfBleu. */
  lexicalDiversity: MetricValue;
  /** Responses scored. */
  scored: number;
  /** Sampled responses skipped for having fewer than two kept sentences. */
  skipped: number;
  /** Responses with no kept sentence at all (never eligible for the sample). */
  ineligible: number;
  /** Self-BLEU (0–100) of each scored response of the sample, in input order: what an interval resamples. */
  scores: number[];
}

/**
 * Within-response Self-BLEU of one list of sentences (0–100), or null with fewer than two.
 * Each n-gram's largest and second-largest count over the sentences are kept, so "the maximum
 * over all sentences but i" needs no pass over the other sentences.
 */
export function responseSelfBleu(sentences: readonly string[]): number | null {
  if (sentences.length < 2) return null;
  const tokens = sentences.map(tokenize13a);
  const counts = tokens.map((t) => ngramCounts(t, 4));
  const top = new Map<string, { max1: number; at: number; max2: number }>();
  counts.forEach((c, i) => {
    for (const [key, n] of c) {
      const m = top.get(key);
      if (!m) top.set(key, { max1: n, at: i, max2: 0 });
      else if (n > m.max1) top.set(key, { max1: n, at: i, max2: m.max1 });
      else if (n > m.max2) m.max2 = n;
    }
  });
  // Sorted lengths likewise: the closest among the others is a binary search, not a pass (a
  // record of 40,000 sentences took 83 s with one).
  const lengths = lengthIndex(tokens.map((t) => t.length));
  let sum = 0;
  for (let i = 0; i < tokens.length; i++) {
    const refMax = (key: string) => {
      const m = top.get(key)!;
      return m.at === i ? m.max2 : m.max1;
    };
    const refLen = closestOtherLength(tokens[i].length, lengths.lengths, lengths.multiplicity);
    sum += sacreBleuFromCounts(counts[i], refMax, tokens[i].length, refLen);
  }
  return sum / tokens.length;
}

/** The paper's lexical-diversity Self-BLEU over a seeded sample of `sampleSize` responses. */
export function withinResponseSelfBleu(responses: readonly string[], opts: { sampleSize?: number; seed?: number } = {}): WithinSelfBleu {
  const split = responses.map(paperSentences);
  const eligible = split.filter((s) => s.length > 0);
  // Scored in input order, so where the sample takes every response its scores line up with the input.
  const chosen = sample(Array.from(eligible.keys()), opts.sampleSize ?? 500, mulberry32(opts.seed ?? 42)).sort((a, b) => a - b);
  const scores: number[] = [];
  for (const i of chosen) {
    const score = responseSelfBleu(eligible[i]);
    if (score !== null) scores.push(score);
  }
  const scored = scores.length;
  const sum = scores.reduce((a, x) => a + x, 0);
  const base = { scored, skipped: chosen.length - scored, ineligible: split.length - eligible.length, scores };
  if (scored === 0) {
    const reason = 'no response has two or more sentences of at least 4 words';
    return { ...base, selfBleu: undefinedBecause(reason), lexicalDiversity: undefinedBecause(reason) };
  }
  return { ...base, selfBleu: defined(sum / scored), lexicalDiversity: defined(100 - sum / scored) };
}

export interface CrossSelfBleu {
  /** Mean BLEU-4 of the scored hypotheses, 0–1. */
  selfBleu: MetricValue;
  /** Hypotheses scored (≤ cap). */
  hypotheses: number;
  /** Each scored hypothesis: its index in the input and its BLEU (0–1), for intervals and checks. */
  scores: { doc: number; bleu: number }[];
  /** Non-empty responses (each hypothesis has `responses − 1` references). */
  responses: number;
  emptySkipped: number;
  sampled: boolean;
}

const EPSILON = 0.1;
const ORDERS = 4;

/**
 * Per n-gram, the largest count in any document, which document holds it, and the
 * second-largest count: the maximum over "all documents but h" is then one look-up.
 */
interface RefMaxima {
  max1: Int32Array;
  max1Doc: Int32Array;
  max2: Int32Array;
}

function refMaxima(index: NgramIndex, order: number): RefMaxima {
  const size = index.distinct[order - 1];
  const m: RefMaxima = { max1: new Int32Array(size), max1Doc: new Int32Array(size).fill(-1), max2: new Int32Array(size) };
  index.ids.forEach((doc, d) => {
    const { keys, counts } = countIds(doc[order - 1]);
    for (let k = 0; k < keys.length; k++) {
      const id = keys[k];
      const c = counts[k];
      if (c > m.max1[id]) {
        m.max2[id] = m.max1[id];
        m.max1[id] = c;
        m.max1Doc[id] = d;
      } else if (c > m.max2[id]) m.max2[id] = c;
    }
  });
  return m;
}

/** The distinct lengths, sorted, and how many items have each: what closestOtherLength searches. */
function lengthIndex(all: readonly number[]): { lengths: Int32Array; multiplicity: Int32Array } {
  const counts = new Map<number, number>();
  for (const len of all) counts.set(len, (counts.get(len) ?? 0) + 1);
  const lengths = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  return { lengths, multiplicity: lengths.map((l) => counts.get(l)!) };
}

/** Closest length among all documents but one holding `ownLen` (ties → shorter), from sorted distinct lengths. */
function closestOtherLength(ownLen: number, lengths: Int32Array, multiplicity: Int32Array): number {
  let lo = 0;
  let hi = lengths.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lengths[mid] < ownLen) lo = mid + 1;
    else hi = mid;
  }
  if (multiplicity[lo] > 1) return ownLen;
  const down = lo > 0 ? lengths[lo - 1] : -1;
  const up = lo + 1 < lengths.length ? lengths[lo + 1] : -1;
  if (down < 0) return up;
  if (up < 0) return down;
  return ownLen - down <= up - ownLen ? down : up;
}

/** Cross-response Self-BLEU on §6 word tokens (see the module comment for the definition). */
export function crossResponseSelfBleu(docs: readonly (readonly string[])[], opts: { cap?: number; seed?: number } = {}): CrossSelfBleu {
  const docIndex = docs.flatMap((d, i) => (d.length > 0 ? [i] : []));
  const nonEmpty = docIndex.map((i) => docs[i]);
  const base = { responses: nonEmpty.length, emptySkipped: docs.length - nonEmpty.length };
  if (nonEmpty.length < 2) {
    return { ...base, hypotheses: 0, scores: [], sampled: false, selfBleu: undefinedBecause('needs at least two non-empty responses') };
  }
  const index = indexNgrams(nonEmpty, ORDERS);
  const maxima = Array.from({ length: ORDERS }, (_, n) => refMaxima(index, n + 1));

  const { lengths, multiplicity } = lengthIndex(nonEmpty.map((d) => d.length));

  const cap = opts.cap ?? 1000;
  const all = nonEmpty.map((_, i) => i);
  const sampled = all.length > cap;
  const hypotheses = sampled ? sample(all, cap, mulberry32(opts.seed ?? 42)) : all;

  const scores: { doc: number; bleu: number }[] = [];
  for (const h of hypotheses) {
    const hypLen = nonEmpty[h].length;
    let logSum = 0;
    let unigramMatches = 0;
    for (let n = 1; n <= ORDERS; n++) {
      const { keys, counts } = countIds(index.ids[h][n - 1]);
      const m = maxima[n - 1];
      let clipped = 0;
      for (let k = 0; k < keys.length; k++) {
        const id = keys[k];
        const refMax = m.max1Doc[id] === h ? m.max2[id] : m.max1[id];
        clipped += Math.min(counts[k], refMax);
      }
      if (n === 1) unigramMatches = clipped;
      const denominator = Math.max(1, hypLen - n + 1);
      logSum += Math.log((clipped === 0 ? EPSILON : clipped) / denominator) / ORDERS;
    }
    const refLen = closestOtherLength(hypLen, lengths, multiplicity);
    const bp = hypLen > refLen ? 1 : Math.exp(1 - refLen / hypLen);
    // NLTK returns 0 for a hypothesis without any unigram match.
    scores.push({ doc: docIndex[h], bleu: unigramMatches === 0 ? 0 : bp * Math.exp(logSum) });
  }
  const mean = scores.reduce((s, x) => s + x.bleu, 0) / scores.length;
  return { ...base, hypotheses: scores.length, scores, sampled, selfBleu: defined(mean) };
}
