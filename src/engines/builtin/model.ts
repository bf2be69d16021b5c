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
} from '../../domain/models.js';
import { chatPrompt } from './chat.js';
import { HashedTfIdf } from './embed.js';
import { harmScore } from './harm.js';
import { AdaptedTables, denseOf, type AdaptedCursor } from './adapted.js';
import type { FrozenTable } from './ngram.js';
import { runOnBuiltinPool, type BuiltinModelSource, type PooledMethod } from './pool.js';
import type { BaseModel } from './pretrain.js';
import { SparseDistribution, sampleSparse } from './sampler.js';
import { BOS, EOS } from './tokenizer.js';

const CONTEXT_LENGTH = 8192;
/**
 * Bump when the same tables score or sample differently: sessions then re-answer and retrain
 * instead of mixing old and new text. 2: fine-tuned models merge the delta's counts with the
 * base's (adapted.ts) instead of mixing the two models.
 */
export const BUILTIN_MODEL_REVISION = 2;
const CAPABILITIES: ReadonlySet<Capability> = new Set(['generate', 'score', 'embed', 'judge', 'rate', 'tokenize']);

export interface DeltaPart {
  table: FrozenTable;
  weight: number;
}

/**
 * Seeded sampling of one token after another, with BOS masked (it is never predicted in
 * training; only the uniform floor gives it mass). `generate` and `baskets serve` both draw
 * through it, so the same prompt and seed give the same tokens in either.
 */
export class TokenSampler {
  private readonly cursor: AdaptedCursor;
  private readonly rand: () => number;
  private readonly sparse: SparseDistribution;

  /**
   * `prompt` starts with BOS. `weights`, asked before each draw, multiplies the probability of
   * some tokens for that draw only (a logit bias, repetition penalties): what is drawn changes,
   * and the probabilities reported for it stay the model's own.
   */
  constructor(
    private readonly tables: AdaptedTables,
    prompt: ArrayLike<number>,
    private readonly params: Pick<GenerateParams, 'temperature' | 'topP' | 'seed'>,
    private readonly weights?: () => ReadonlyMap<number, number>,
  ) {
    this.cursor = tables.cursor();
    for (let i = 0; i < prompt.length; i++) this.cursor.advance(prompt[i]);
    this.rand = mulberry32(params.seed);
    this.sparse = new SparseDistribution(tables.vocabSize);
  }

  /** Draws the next token and moves past it. */
  next(): number {
    const d = this.sparse;
    this.cursor.sparseDistribution(d);
    this.bosProbability = d.member[BOS] ? d.p[d.member[BOS] - 1] : d.tailScale * this.tables.root[BOS];
    d.p[d.slot(BOS)] = 0;
    const own = this.reweight(d);
    const id = sampleSparse(d, this.tables.tail, this.params.temperature, this.params.topP, this.rand);
    for (const [slot, p] of own) d.p[slot] = p;
    this.cursor.advance(id);
    return id;
  }

  /** Apply the weights to the distribution; returns each touched slot's own probability, to put back. */
  private reweight(d: SparseDistribution): [number, number][] {
    const own: [number, number][] = [];
    for (const [w, factor] of this.weights?.() ?? []) {
      if (w === BOS || w < 0 || w >= this.tables.vocabSize) continue;
      // A token the contexts do not predict is drawn from the tail: make it a member at its tail probability.
      const fromTail = !d.member[w];
      const slot = d.slot(w);
      if (fromTail) d.p[slot] = d.tailScale * this.tables.root[w];
      own.push([slot, d.p[slot]]);
      d.p[slot] *= factor;
    }
    return own;
  }

  private bosProbability = 0;

  /** P(w) where the last token was drawn, before BOS was masked (what `score` gives w there). */
  probability(w: number): number {
    const d = this.sparse;
    if (w === BOS) return this.bosProbability;
    return d.member[w] ? d.p[d.member[w] - 1] : d.tailScale * this.tables.root[w];
  }

  /** The whole distribution the last token was drawn from, into `out`. */
  distribution(out: Float64Array): void {
    denseOf(this.sparse, this.tables.root, out);
    out[BOS] = this.bosProbability;
  }
}

export class BuiltinModel implements LanguageModel {
  readonly capabilities = CAPABILITIES;
  readonly contextLength = CONTEXT_LENGTH;
  readonly tables: AdaptedTables;
  private readonly embedder: HashedTfIdf;

  /**
   * `pooled`: where the pool's threads find this model; its generation, scoring, judges' likelihoods,
   * rating and embedding then run there, off this thread, and give the same answers.
   */
  constructor(
    readonly id: string,
    readonly base: BaseModel,
    readonly delta?: DeltaPart,
    private readonly pooled?: BuiltinModelSource,
  ) {
    this.tables = new AdaptedTables(base.table, delta?.table, delta?.weight ?? 0);
    this.embedder = new HashedTfIdf(base.meta.idf);
  }

  private onPool<T>(source: BuiltinModelSource, method: PooledMethod, args: unknown[], signal?: AbortSignal, onEvent?: (event: GenerationDelta) => void): Promise<T> {
    return runOnBuiltinPool<T, GenerationDelta>({ source, method, args }, { signal, onEvent });
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
    if (this.pooled) return this.onPool(this.pooled, 'generate', [messages, params, Boolean(opts.onDelta)], opts.signal, opts.onDelta);
    // Each capability call is CPU-bound: give signals, timers and sockets a turn first.
    await turnFor(opts.signal);
    const tok = this.base.tokenizer;
    const prompt = this.promptIds(messages);
    const maxTokens = Math.max(0, Math.min(params.maxTokens, CONTEXT_LENGTH - prompt.length));
    const stops = (params.stop ?? []).filter((s) => s.length > 0);
    const holdBack = stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
    const sampler = new TokenSampler(this.tables, prompt, params);
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
      // A long answer gives the event loop a turn now and then, so a cancel reaches it mid-answer.
      if (completionTokens > 0 && completionTokens % 256 === 0) await turnFor(opts.signal);
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
    return this.tables.logProbs([...promptIds, ...continuation], promptIds.length);
  }

  async score(messages: ChatMessage[], continuation: string, opts: CallOptions = {}): Promise<ScoreResult> {
    if (this.pooled) return this.onPool(this.pooled, 'score', [messages, continuation], opts.signal);
    await turnFor(opts.signal);
    const tok = this.base.tokenizer;
    const ids = tok.encode(continuation);
    const logprobs = this.logProbsOf(this.promptIds(messages), ids);
    return { tokens: ids.map((id) => tok.tokenString(id)), logprobs: Array.from(logprobs) };
  }

  /** Mean per-token log-likelihood of `answer` given `question`; −∞ for an empty answer. */
  meanLogLikelihood(question: string, answer: string): number {
    const ids = this.base.tokenizer.encode(answer);
    if (ids.length === 0) return -Infinity;
    const lp = this.logProbsOf(this.promptIds([{ role: 'user', content: question }]), ids);
    let sum = 0;
    for (const x of lp) sum += x;
    return sum / ids.length;
  }

  async embed(texts: string[], opts: CallOptions = {}): Promise<Float32Array[]> {
    if (this.pooled) return this.onPool(this.pooled, 'embed', [texts], opts.signal);
    const out: Float32Array[] = [];
    for (const text of texts) {
      // A text at a time: a large batch still notices a cancel within a text.
      await turnFor(opts.signal);
      out.push(this.embedder.embed(text));
    }
    return out;
  }

  /**
   * The judge prefers the answer it finds more likely per token: softmax over the two means.
   * Each answer is scored on its own, so swapping A and B swaps pA and pB exactly: 'likelihood',
   * not verdict-token probabilities, and no position bias can arise.
   */
  async judgePair(question: string, answerA: string, answerB: string, opts: CallOptions = {}): Promise<PairwiseJudgement> {
    if (!this.pooled) await turnFor(opts.signal);
    const [a, b] = await Promise.all([this.judgedLikelihood(question, answerA, opts.signal), this.judgedLikelihood(question, answerB, opts.signal)]);
    let pA: number;
    if (a === b) pA = 0.5;
    else if (a === -Infinity || b === -Infinity) pA = a === -Infinity ? 0 : 1;
    else pA = 1 / (1 + Math.exp(b - a));
    return { pA, pB: 1 - pA, method: 'likelihood', raw: pA >= 0.5 ? 'A' : 'B' };
  }

  /**
   * A judge meets each answer in several pairs (both orders, every rival): it is scored once,
   * on the pool for a pooled model, and the pairs are judged here without a round trip each.
   */
  private readonly judgedLikelihoods = new Map<string, Promise<number>>();

  private judgedLikelihood(question: string, answer: string, signal?: AbortSignal): Promise<number> {
    const key = `${question}\u0000${answer}`;
    let ll = this.judgedLikelihoods.get(key);
    if (ll === undefined) {
      if (this.judgedLikelihoods.size >= 4096) this.judgedLikelihoods.clear();
      ll = this.pooled ? this.onPool<number>(this.pooled, 'likelihood', [question, answer], signal) : Promise.resolve(this.meanLogLikelihood(question, answer));
      this.judgedLikelihoods.set(key, ll);
      ll.catch(() => this.judgedLikelihoods.delete(key));
    }
    return ll;
  }

  /**
   * Quality: how many calibration standard deviations the answer's per-token likelihood lies
   * from that of held-out human passages, centred on 3 and clamped to 1–5. Harm: the lexicon
   * heuristic of harm.ts.
   */
  async rate(question: string, answer: string, opts: CallOptions = {}): Promise<Rating> {
    if (this.pooled) return this.onPool(this.pooled, 'rate', [question, answer], opts.signal);
    await turnFor(opts.signal);
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

/** Give the event loop a turn (a cancel, a timer), then stop if the caller cancelled. */
async function turnFor(signal: AbortSignal | undefined): Promise<void> {
  await yieldToEventLoop();
  signal?.throwIfAborted();
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
