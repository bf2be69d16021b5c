/**
 * Lexical diversity over word tokens (DESIGN.md §6 tokenizer, see tokenize.ts).
 */
import { gzipSync } from 'node:zlib';
import type { NgramIndex } from './ngrams.js';
import { defined, undefinedBecause, type MetricValue } from './value.js';

/** Type–token ratio: distinct tokens / tokens. */
export function ttr(tokens: readonly string[]): MetricValue {
  if (tokens.length === 0) return undefinedBecause('no tokens');
  return defined(new Set(tokens).size / tokens.length);
}

/**
 * distinct-n (Li et al. 2016) for n = 1..maxOrder of the index: n-grams are taken within each
 * document (never across a document boundary) and pooled; the value is unique / total n-grams.
 */
export function distinctN(index: NgramIndex, n: number): MetricValue {
  if (n < 1 || n > index.maxOrder) throw new Error(`distinct-${n} needs an n-gram index of order ≥ ${n}`);
  const total = index.total[n - 1];
  if (total === 0) return undefinedBecause(`every document has fewer than ${n} tokens`);
  return defined(index.distinct[n - 1] / total);
}

/**
 * Moving-average TTR (Covington & McFall 2010): the mean TTR of every window of `window`
 * consecutive tokens; a text shorter than the window gets its plain TTR.
 */
export function mattr(tokens: readonly string[], window = 50): MetricValue {
  if (tokens.length === 0) return undefinedBecause('no tokens');
  if (tokens.length <= window) return ttr(tokens);
  const counts = new Map<string, number>();
  let types = 0;
  for (let i = 0; i < window; i++) {
    const c = counts.get(tokens[i]) ?? 0;
    if (c === 0) types++;
    counts.set(tokens[i], c + 1);
  }
  let sum = types;
  for (let i = window; i < tokens.length; i++) {
    const out = tokens[i - window];
    const co = counts.get(out)! - 1;
    counts.set(out, co);
    if (co === 0) types--;
    const c = counts.get(tokens[i]) ?? 0;
    if (c === 0) types++;
    counts.set(tokens[i], c + 1);
    sum += types;
  }
  const windows = tokens.length - window + 1;
  return defined(sum / window / windows);
}

/** Factors of one MTLD pass (McCarthy & Jarvis 2010), including the partial last factor. */
function mtldFactors(tokens: readonly string[], threshold: number, reverse: boolean): number {
  let factors = 0;
  let seen = new Set<string>();
  let count = 0;
  let ratio = 1;
  for (let k = 0; k < tokens.length; k++) {
    seen.add(tokens[reverse ? tokens.length - 1 - k : k]);
    count++;
    ratio = seen.size / count;
    // A factor closes when the running TTR falls to the threshold or below (≤, DESIGN.md §6).
    if (ratio <= threshold) {
      factors++;
      seen = new Set();
      count = 0;
      ratio = 1;
    }
  }
  // The unfinished segment counts as the fraction of a factor it has travelled towards the threshold.
  if (count > 0) factors += (1 - ratio) / (1 - threshold);
  return factors;
}

/**
 * Measure of Textual Lexical Diversity (McCarthy & Jarvis 2010): tokens / factors, where a
 * factor is a run of tokens whose running TTR reaches `threshold` (0.72); the forward and the
 * backward pass are averaged.
 */
export function mtld(tokens: readonly string[], threshold = 0.72): MetricValue {
  if (tokens.length === 0) return undefinedBecause('no tokens');
  const forward = mtldFactors(tokens, threshold, false);
  const backward = mtldFactors(tokens, threshold, true);
  if (forward === 0 || backward === 0) {
    return undefinedBecause('every token is distinct, so no factor forms and MTLD is unbounded');
  }
  return defined((tokens.length / forward + tokens.length / backward) / 2);
}

/**
 * Compression ratio (Shaib et al. 2024): UTF-8 bytes of the texts joined by newlines divided by
 * the bytes of their gzip (level 9) compression. Direction: HIGHER means more redundant, i.e.
 * LESS diverse text. Includes gzip's fixed ~20-byte framing, which matters only for tiny inputs.
 */
export function compressionRatio(texts: readonly string[]): MetricValue {
  const raw = Buffer.from(texts.join('\n'), 'utf8');
  if (raw.length === 0) return undefinedBecause('no text');
  return defined(raw.length / gzipSync(raw, { level: 9 }).length);
}
