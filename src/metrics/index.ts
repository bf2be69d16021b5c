/**
 * Every text metric of DESIGN.md §1 for a set of records, as `baskets metrics` reports them.
 */
import { compressionRatio, distinctN, mattr, mtld, ttr } from './lexical.js';
import { indexNgrams } from './ngrams.js';
import { perplexity, type PerplexityResult } from './perplexity.js';
import { crossResponseSelfBleu, withinResponseSelfBleu, type CrossSelfBleu, type WithinSelfBleu } from './selfbleu.js';
import { meanPairwiseCosineDistance, unitRows, vendiScore } from './semantic.js';
import { curvePoints, heapsLogLog, heapsPaper, vocabularyCurve, type HeapsFit } from './heaps.js';
import { wordTokens } from './tokenize.js';
import type { MetricValue } from './value.js';

export * from './value.js';
export * from './tokenize.js';
export * from './lexical.js';
export * from './ngrams.js';
export * from './sacrebleu.js';
export * from './sentences.js';
export * from './selfbleu.js';
export * from './semantic.js';
export * from './heaps.js';
export * from './perplexity.js';
export * from './safety.js';
export * from './preference.js';
export * from './stats.js';

export interface TextRecord {
  text: string;
  /** A sentence embedding. */
  vector?: ArrayLike<number>;
  /** Natural-log probabilities of the text's tokens. */
  logprobs?: readonly number[];
}

export interface TextMetricsOptions {
  /** Seed of every sample (Self-BLEU samples). Default 42. */
  seed?: number;
  /** Hypotheses scored by cross-response Self-BLEU before sampling kicks in. Default 1000. */
  selfBleuCap?: number;
  /** Responses sampled for the paper's within-response Self-BLEU. Default 500. */
  withinSampleSize?: number;
}

export interface TextMetrics {
  docs: number;
  tokens: number;
  types: number;
  ttr: MetricValue;
  distinct: Record<1 | 2 | 3 | 4, MetricValue>;
  mattr: MetricValue;
  mtld: MetricValue;
  compressionRatio: MetricValue;
  crossSelfBleu: CrossSelfBleu;
  withinSelfBleu: WithinSelfBleu;
  heaps: { logLog: MetricValue<HeapsFit>; paper: MetricValue<HeapsFit>; curve: { n: number; v: number }[] };
  semantic?: { meanCosineDistance: MetricValue; vendi: MetricValue; vectors: number; zeroVectors: number };
  perplexity?: PerplexityResult;
}

export function textMetrics(records: readonly TextRecord[], opts: TextMetricsOptions = {}): TextMetrics {
  const seed = opts.seed ?? 42;
  const texts = records.map((r) => r.text);
  const docs = texts.map(wordTokens);
  // TTR, MATTR, MTLD and Heaps read all records' tokens as one stream.
  const stream = docs.flat();
  const index = indexNgrams(docs, 4);
  const curve = vocabularyCurve(stream);
  const result: TextMetrics = {
    docs: records.length,
    tokens: stream.length,
    types: index.distinct[0],
    ttr: ttr(stream),
    distinct: { 1: distinctN(index, 1), 2: distinctN(index, 2), 3: distinctN(index, 3), 4: distinctN(index, 4) },
    mattr: mattr(stream),
    mtld: mtld(stream),
    compressionRatio: compressionRatio(texts),
    crossSelfBleu: crossResponseSelfBleu(docs, { cap: opts.selfBleuCap, seed }),
    withinSelfBleu: withinResponseSelfBleu(texts, { sampleSize: opts.withinSampleSize, seed }),
    heaps: { logLog: heapsLogLog(curve), paper: heapsPaper(curve), curve: curvePoints(curve) },
  };
  const withVectors = records.filter((r) => r.vector !== undefined);
  if (withVectors.length > 0) {
    const units = unitRows(withVectors.map((r) => r.vector!));
    result.semantic = { meanCosineDistance: meanPairwiseCosineDistance(units), vendi: vendiScore(units), vectors: units.n, zeroVectors: units.zeroVectors };
  }
  const scored = records.filter((r) => r.logprobs !== undefined);
  if (scored.length > 0) result.perplexity = perplexity(scored.map((r) => ({ logprobs: r.logprobs!, text: r.text })));
  return result;
}

/** The public JSON of `baskets metrics --json` (add keys, never rename); undefined values are null. */
export function textMetricsJson(m: TextMetrics): Record<string, unknown> {
  const reasons: Record<string, string> = {};
  const v = (name: string, x: MetricValue): number | null => {
    if (x.reason !== null) reasons[name] = x.reason;
    return x.value;
  };
  const fit = (name: string, x: MetricValue<HeapsFit>) => {
    if (x.reason !== null) reasons[name] = x.reason;
    return x.value;
  };
  const logLog = fit('heaps', m.heaps.logLog);
  const paper = fit('heaps.paper', m.heaps.paper);
  const out: Record<string, unknown> = {
    docs: m.docs,
    tokens: m.tokens,
    types: m.types,
    ttr: v('ttr', m.ttr),
    distinct: Object.fromEntries(([1, 2, 3, 4] as const).map((n) => [String(n), v(`distinct.${n}`, m.distinct[n])])),
    mattr: v('mattr', m.mattr),
    mtld: v('mtld', m.mtld),
    compression_ratio: v('compression_ratio', m.compressionRatio),
    self_bleu: v('self_bleu', m.crossSelfBleu.selfBleu),
    lexical_diversity: v('lexical_diversity', m.withinSelfBleu.lexicalDiversity),
    heaps: {
      k: logLog?.k ?? null,
      beta: logLog?.beta ?? null,
      r2: logLog?.r2 ?? null,
      paper: { k: paper?.k ?? null, beta: paper?.beta ?? null, r2: paper?.r2 ?? null, points: paper?.points ?? 0 },
      curve: m.heaps.curve,
    },
  };
  if (m.semantic) {
    out.semantic = {
      mean_cosine_distance: v('semantic.mean_cosine_distance', m.semantic.meanCosineDistance),
      vendi: v('semantic.vendi', m.semantic.vendi),
      vectors: m.semantic.vectors,
      zero_vectors: m.semantic.zeroVectors,
    };
  }
  if (m.perplexity) {
    const p = m.perplexity;
    out.perplexity = {
      mean: v('perplexity.mean', p.mean),
      corpus: v('perplexity.corpus', p.corpus),
      bits_per_byte: v('perplexity.bits_per_byte', p.bitsPerByte),
      responses: p.responses,
      tokens: p.tokens,
    };
  }
  out.counts = {
    self_bleu_hypotheses: m.crossSelfBleu.hypotheses,
    self_bleu_sampled: m.crossSelfBleu.sampled,
    self_bleu_empty_skipped: m.crossSelfBleu.emptySkipped,
    lexical_diversity_scored: m.withinSelfBleu.scored,
    lexical_diversity_skipped: m.withinSelfBleu.skipped,
    lexical_diversity_ineligible: m.withinSelfBleu.ineligible,
  };
  out.reasons = reasons;
  return out;
}
