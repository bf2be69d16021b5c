/**
 * Perplexity from per-token log-probabilities (natural log) of response tokens.
 */
import { defined, undefinedBecause, type MetricValue } from './value.js';

export interface ScoredText {
  /** Natural-log probability of each response token given everything before it. */
  logprobs: readonly number[];
  /** The response text, for bits per byte. */
  text?: string;
}

export interface PerplexityResult {
  /** Mean over responses of exp(−mean token log-prob): the paper's number. */
  mean: MetricValue;
  /** exp(−Σ log-probs / Σ tokens): token-weighted corpus perplexity. */
  corpus: MetricValue;
  /** Σ −log-probs / ln 2 / Σ UTF-8 bytes of the texts: comparable across tokenizers. */
  bitsPerByte: MetricValue;
  responses: number;
  tokens: number;
  /** Responses with no scored token, left out of every average. */
  emptySkipped: number;
}

export function perplexity(items: readonly ScoredText[]): PerplexityResult {
  let sumPpl = 0;
  let responses = 0;
  let tokens = 0;
  let nll = 0;
  let bytes = 0;
  let missingText = 0;
  items.forEach((item, i) => {
    const lps = item.logprobs;
    if (lps.length === 0) return;
    let s = 0;
    for (const lp of lps) {
      if (!Number.isFinite(lp) || lp > 0) {
        throw new Error(`response ${i} has log-prob ${lp}; log-probs must be finite natural-log probabilities (≤ 0)`);
      }
      s -= lp;
    }
    sumPpl += Math.exp(s / lps.length);
    responses++;
    tokens += lps.length;
    nll += s;
    if (item.text === undefined) missingText++;
    else bytes += Buffer.byteLength(item.text, 'utf8');
  });
  const emptySkipped = items.length - responses;
  if (responses === 0) {
    const reason = 'no response has scored tokens';
    return { mean: undefinedBecause(reason), corpus: undefinedBecause(reason), bitsPerByte: undefinedBecause(reason), responses, tokens, emptySkipped };
  }
  const bitsPerByte =
    missingText > 0
      ? undefinedBecause(`${missingText} scored responses have no text to count bytes of`)
      : bytes === 0
        ? undefinedBecause('the scored texts have no bytes')
        : defined(nll / Math.LN2 / bytes);
  return { mean: defined(sumPpl / responses), corpus: defined(Math.exp(nll / tokens)), bitsPerByte, responses, tokens, emptySkipped };
}
