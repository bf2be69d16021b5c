import { mulberry32 } from '../../util/rng.js';
import { yieldToEventLoop } from '../../util/yield.js';
import type {
  CallOptions,
  Capability,
  ChatMessage,
  GenerateParams,
  Generation,
  GenerationDelta,
  LanguageModel,
  PairwiseJudgement,
  Rating,
  ScoreResult,
} from '../types.js';
import { chatPrompt } from './chat.js';
import { HashedTfIdf } from './embed.js';
import { harmScore } from './harm.js';
import { FrozenTable, Scorer, startState, type NgramTable } from './ngram.js';
import type { BaseModel } from './pretrain.js';
import { SparseDistribution, sampleSparse, sampleToken } from './sampler.js';
import { BOS, EOS } from './tokenizer.js';

const CONTEXT_LENGTH = 8192;
const CAPABILITIES: ReadonlySet<Capability> = new Set(['generate', 'score', 'embed', 'judge', 'rate', 'tokenize']);

/**
 * P(w | h) = (1 − λ)·P_base(w | h) + λ·P_delta(w | h): a base model with an optional
 * fine-tuning delta (a KN table of the fine-tuning counts only) mixed in with weight λ.
 */
export class MixtureScorer {
  private readonly baseScorer: Scorer;
  private readonly deltaScorer: Scorer | undefined;

  constructor(
    private readonly base: NgramTable,
    private readonly delta: NgramTable | undefined,
    private readonly weight: number,
  ) {
    this.baseScorer = new Scorer(base);
    this.deltaScorer = delta && weight > 0 ? new Scorer(delta) : undefined;
  }

  /** ln P(ids[i] | ids[0..i)) for i ≥ from; ids[0] must be BOS. */
  logProbs(ids: ArrayLike<number>, from: number): Float64Array {
    const out = new Float64Array(Math.max(0, ids.length - from));
    let sb = startState(this.base);
    let sd = this.delta ? startState(this.delta) : 0;
    const lambda = this.deltaScorer ? this.weight : 0;
    for (let i = 1; i < ids.length; i++) {
      let p = this.baseScorer.prob(sb, ids[i]);
      sb = this.baseScorer.next;
      if (this.deltaScorer) {
        p = (1 - lambda) * p + lambda * this.deltaScorer.prob(sd, ids[i]);
        sd = this.deltaScorer.next;
      }
      if (i >= from) out[i - from] = Math.log(p);
    }
    return out;
  }
}

export interface DeltaPart {
  table: FrozenTable;
  weight: number;
}

/**
 * Seeded sampling of one token after another from the mixture, with BOS masked (it is never
 * predicted in training; only the uniform floor gives it mass). `generate` and `baskets serve`
 * both draw through it, so the same prompt and seed give the same tokens in either.
 */
export class TokenSampler {
  private readonly baseScorer: Scorer;
  private readonly deltaScorer: Scorer | undefined;
  private readonly delta: DeltaPart | undefined;
  private sb: number;
  private sd = 0;
  private readonly rand: () => number;
  private readonly sparse: SparseDistribution | undefined;
  private readonly dist: Float64Array | undefined;
  private readonly scratch: Float64Array | undefined;

  /** `prompt` starts with BOS. */
  constructor(
    private readonly base: FrozenTable,
    delta: DeltaPart | undefined,
    prompt: ArrayLike<number>,
    private readonly params: Pick<GenerateParams, 'temperature' | 'topP' | 'seed'>,
  ) {
    this.delta = delta && delta.weight > 0 ? delta : undefined;
    this.baseScorer = new Scorer(base);
    this.deltaScorer = this.delta ? new Scorer(this.delta.table) : undefined;
    this.sb = startState(base);
    if (this.delta) this.sd = startState(this.delta.table);
    for (let i = 1; i < prompt.length; i++) this.advance(prompt[i]);
    this.rand = mulberry32(params.seed);
    const vocab = base.vocabSize;
    if (this.delta) {
      this.dist = new Float64Array(vocab);
      this.scratch = new Float64Array(vocab);
    } else {
      this.sparse = new SparseDistribution(vocab);
    }
  }

  /** Draws the next token and moves past it. */
  next(): number {
    const { temperature, topP } = this.params;
    let id: number;
    if (this.sparse) {
      // A base model's tail is one vector (its unigram level): sample in O(context tokens).
      this.base.sparseDistribution(this.sb, this.sparse);
      this.sparse.p[this.sparse.slot(BOS)] = 0;
      id = sampleSparse(this.sparse, this.base.tail, temperature, topP, this.rand);
    } else {
      // With a delta the tail mixes two unigram levels in context-dependent shares: dense.
      const dist = this.dist!;
      dist.fill(0);
      this.base.addDistribution(this.sb, dist, 1 - this.delta!.weight);
      this.delta!.table.addDistribution(this.sd, dist, this.delta!.weight);
      dist[BOS] = 0;
      id = sampleToken(dist, temperature, topP, this.rand, this.scratch!);
    }
    this.advance(id);
    return id;
  }

  private advance(id: number): void {
    this.baseScorer.prob(this.sb, id);
    this.sb = this.baseScorer.next;
    if (this.deltaScorer) {
      this.deltaScorer.prob(this.sd, id);
      this.sd = this.deltaScorer.next;
    }
  }
}

export class BuiltinModel implements LanguageModel {
  readonly capabilities = CAPABILITIES;
  readonly contextLength = CONTEXT_LENGTH;
  private readonly scorer: MixtureScorer;
  private readonly embedder: HashedTfIdf;

  constructor(
    readonly id: string,
    readonly base: BaseModel,
    readonly delta?: DeltaPart,
  ) {
    this.scorer = new MixtureScorer(base.table, delta?.table, delta?.weight ?? 0);
    this.embedder = new HashedTfIdf(base.meta.idf);
  }

  private promptIds(messages: ChatMessage[]): number[] {
    const ids = [BOS, ...this.base.tokenizer.encode(chatPrompt(messages))];
    if (ids.length > CONTEXT_LENGTH) {
      throw new Error(`prompt is ${ids.length} tokens; builtin model "${this.id}" takes at most ${CONTEXT_LENGTH}: shorten the instruction or context`);
    }
    return ids;
  }

  async generate(
    messages: ChatMessage[],
    params: GenerateParams,
    opts: CallOptions & { onDelta?: (delta: GenerationDelta) => void } = {},
  ): Promise<Generation> {
    // Each capability call is CPU-bound: give signals, timers and sockets a turn first.
    await yieldToEventLoop();
    opts.signal?.throwIfAborted();
    const tok = this.base.tokenizer;
    const prompt = this.promptIds(messages);
    const maxTokens = Math.max(0, Math.min(params.maxTokens, CONTEXT_LENGTH - prompt.length));
    const stops = (params.stop ?? []).filter((s) => s.length > 0);
    const holdBack = stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
    const sampler = new TokenSampler(this.base.table, this.delta, prompt, params);
    const decode = tok.streamDecoder();
    let text = '';
    let emitted = 0;
    let pendingTokens = 0;
    let completionTokens = 0;
    let finishReason: Generation['finishReason'] = 'length';
    const emit = (upTo: number) => {
      if (opts.onDelta && upTo > emitted) {
        opts.onDelta({ text: text.slice(emitted, upTo), tokens: pendingTokens });
        emitted = upTo;
        pendingTokens = 0;
      }
    };
    while (completionTokens < maxTokens) {
      if (completionTokens % 256 === 0 && opts.signal?.aborted) throw new Error(`generation by "${this.id}" cancelled`);
      const id = sampler.next();
      completionTokens++;
      if (id === EOS) {
        finishReason = 'stop';
        break;
      }
      text += decode(id);
      pendingTokens++;
      const hit = firstStop(text, stops, text.length - tok.tokenByteLength(id) - holdBack - 4);
      if (hit >= 0) {
        text = text.slice(0, hit);
        finishReason = 'stop';
        break;
      }
      emit(text.length - holdBack);
    }
    emit(text.length);
    return { text, finishReason, promptTokens: prompt.length, completionTokens };
  }

  /** Log-probs of a tokenised continuation given a tokenised prompt, both starting after BOS. */
  logProbsOf(promptIds: number[], continuation: number[]): Float64Array {
    return this.scorer.logProbs([...promptIds, ...continuation], promptIds.length);
  }

  async score(messages: ChatMessage[], continuation: string): Promise<ScoreResult> {
    await yieldToEventLoop();
    const tok = this.base.tokenizer;
    const ids = tok.encode(continuation);
    const logprobs = this.logProbsOf(this.promptIds(messages), ids);
    return { tokens: ids.map((id) => tok.tokenString(id)), logprobs: Array.from(logprobs) };
  }

  /** Mean per-token log-likelihood of `answer` given `question`; −∞ for an empty answer. */
  private meanLogLikelihood(question: string, answer: string): number {
    const ids = this.base.tokenizer.encode(answer);
    if (ids.length === 0) return -Infinity;
    const lp = this.logProbsOf(this.promptIds([{ role: 'user', content: question }]), ids);
    let sum = 0;
    for (const x of lp) sum += x;
    return sum / ids.length;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    await yieldToEventLoop();
    return texts.map((t) => this.embedder.embed(t));
  }

  /**
   * The judge prefers the answer it finds more likely per token: softmax over the two means.
   * Each answer is scored on its own, so swapping A and B swaps pA and pB exactly: 'likelihood',
   * not verdict-token probabilities, and no position bias can arise.
   */
  async judgePair(question: string, answerA: string, answerB: string): Promise<PairwiseJudgement> {
    await yieldToEventLoop();
    const a = this.judgedLikelihood(question, answerA);
    const b = this.judgedLikelihood(question, answerB);
    let pA: number;
    if (a === b) pA = 0.5;
    else if (a === -Infinity || b === -Infinity) pA = a === -Infinity ? 0 : 1;
    else pA = 1 / (1 + Math.exp(b - a));
    return { pA, pB: 1 - pA, method: 'likelihood', raw: pA >= 0.5 ? 'A' : 'B' };
  }

  /** A judge meets each answer in several pairs (both orders, every rival): score it once. */
  private readonly judgedLikelihoods = new Map<string, number>();

  private judgedLikelihood(question: string, answer: string): number {
    const key = `${question}\u0000${answer}`;
    let ll = this.judgedLikelihoods.get(key);
    if (ll === undefined) {
      if (this.judgedLikelihoods.size >= 4096) this.judgedLikelihoods.clear();
      ll = this.meanLogLikelihood(question, answer);
      this.judgedLikelihoods.set(key, ll);
    }
    return ll;
  }

  /**
   * Quality: how many calibration standard deviations the answer's per-token likelihood lies
   * from that of held-out human passages, centred on 3 and clamped to 1–5. Harm: the lexicon
   * heuristic of harm.ts.
   */
  async rate(question: string, answer: string): Promise<Rating> {
    await yieldToEventLoop();
    const ll = this.meanLogLikelihood(question, answer);
    const { mean, std } = this.base.meta.calibration;
    const quality = ll === -Infinity ? 1 : Math.min(5, Math.max(1, Math.round(3 + (ll - mean) / std)));
    const harm = harmScore(answer);
    return { quality, harm, raw: { quality: String(quality), harm: String(harm) }, heuristic: true };
  }

  async tokenize(input: string | ChatMessage[]): Promise<{ ids: number[]; tokens: string[] }> {
    const tok = this.base.tokenizer;
    const ids = typeof input === 'string' ? tok.encode(input) : this.promptIds(input);
    return { ids, tokens: ids.map((id) => tok.tokenString(id)) };
  }
}

/** Index of the first stop string found at or after `from`, or −1. */
function firstStop(text: string, stops: string[], from: number): number {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s, Math.max(0, from));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}
