import type { ChatMessage } from '../../domain/models.js';
import { listBuiltinBases, openBuiltinModel, openTrainedBuiltin, trainBuiltin, type PretrainProgress } from '../builtin/index.js';
import { BuiltinModel, TokenSampler } from '../builtin/model.js';
import { chatPrompt } from '../builtin/chat.js';
import { SparseDistribution } from '../builtin/sampler.js';
import { BOS, EOS } from '../builtin/tokenizer.js';
import type { LanguageModel } from '../../domain/models.js';
import { badRequest } from './errors.js';
import type { Encoded, ModelInfo, SampledPosition, SampleParams, ScoreWants, ScoredPosition, ServeEngine, ServedModel, TokenizerInfo, TokenLogprob } from './served-model.js';

/**
 * The builtin engine behind `baskets serve`. The token-level view reads the model's tables
 * directly: the same adapted tables that `score` uses, and the same TokenSampler as
 * `generate`, so a served answer equals the in-process one for the same seed and a served
 * log-prob equals `score`'s.
 */

/** The builtin chat template (chatPrompt) as Jinja: each message's text trimmed, on a line of its own. */
const CHAT_TEMPLATE = "{% for message in messages %}{{ message['content'] | trim }}\n{% endfor %}";
const SPECIAL_NAMES = /(<bos>|<eos>)/;

/** BuiltinModel's context length; the serve tests check the two agree. */
export const BUILTIN_CONTEXT_LENGTH = 8192;

/** Seconds between two log lines of one pretraining phase. */
const PROGRESS_LOG_EVERY_MS = 2000;

/** Pretraining on first use takes seconds: a log line per phase, and its count every few seconds. */
export function pretrainingLogger(log: (line: string) => void, now: () => number = Date.now): (p: PretrainProgress) => void {
  let phase = '';
  let lastAt = -Infinity;
  return (p) => {
    const newPhase = p.phase !== phase;
    if (!newPhase && p.done < p.total && now() - lastAt < PROGRESS_LOG_EVERY_MS) return;
    phase = p.phase;
    lastAt = now();
    log(`pretraining ${p.phase}: ${p.done}/${p.total} ${p.unit}${newPhase && p.done === 0 ? ` (first use of ${p.base}; cached afterwards)` : ''}`);
  };
}

export function builtinServeEngine(opts: { cacheDir?: string; log?: (line: string) => void } = {}): ServeEngine {
  const created = Math.floor(Date.now() / 1000);
  const loadOptions = () => ({ cacheDir: opts.cacheDir, onProgress: opts.log && pretrainingLogger(opts.log) });
  return {
    bases: () =>
      listBuiltinBases().map((b) => ({ id: b.id, created, ownedBy: 'baskets', parent: null, root: b.id, contextLength: BUILTIN_CONTEXT_LENGTH })),
    openBase: async (id) => {
      const info = { id, created, ownedBy: 'baskets', parent: null, root: id, contextLength: BUILTIN_CONTEXT_LENGTH };
      return new BuiltinServedModel(info, await openBuiltinModel(id, loadOptions()));
    },
    openTrained: async (info, modelDir) => new BuiltinServedModel(info, await openTrainedBuiltin(modelDir, { ...loadOptions(), id: info.id })),
    train: (req) => trainBuiltin({ ...req, ...loadOptions() }),
  };
}

/** One builtin model seen token by token. */
class BuiltinServedModel implements ServedModel {
  readonly canEmbed = true;
  readonly tokenizer: TokenizerInfo = { bosToken: '<bos>', eosToken: '<eos>', chatTemplate: CHAT_TEMPLATE };
  readonly maxTokenBytes: number;
  private readonly model: BuiltinModel;

  constructor(
    readonly info: ModelInfo,
    model: LanguageModel,
  ) {
    if (!(model instanceof BuiltinModel)) throw new Error(`model "${model.id}" is not a builtin model`);
    this.model = model;
    let longest = 1;
    for (let id = 0; id < this.bpe.vocabSize; id++) longest = Math.max(longest, this.bpe.tokenByteLength(id));
    this.maxTokenBytes = longest;
  }

  private get bpe() {
    return this.model.base.tokenizer;
  }

  /** The builtin template has no assistant header (the answer starts on the next line), so both forms agree. */
  async encodeChat(messages: ChatMessage[]): Promise<Encoded> {
    return this.encodeText(chatPrompt(messages));
  }

  /** The names of the special tokens in the text are those tokens, as in a Hugging Face tokenizer ("<bos>" is BOS). */
  async encodeText(text: string, addSpecialTokens = true): Promise<Encoded> {
    const ids = addSpecialTokens ? [BOS] : [];
    for (const part of text.split(SPECIAL_NAMES)) {
      if (part === '<bos>') ids.push(BOS);
      else if (part === '<eos>') ids.push(EOS);
      else if (part) ids.push(...this.bpe.encode(part));
    }
    return { ids, tokens: this.tokenStrings(ids) };
  }

  tokenStrings(ids: number[]): string[] {
    return ids.map((id) => this.bpe.tokenString(id));
  }

  decodePieces(ids: number[]): string[] {
    const decode = this.bpe.streamDecoder();
    return ids.map(decode);
  }

  async decode(ids: number[]): Promise<string> {
    const vocab = this.bpe.vocabSize;
    const bad = ids.find((id) => id >= vocab);
    if (bad !== undefined) throw badRequest(`Token id ${bad} is outside the vocabulary of \`${this.info.id}\` (ids 0–${vocab - 1}).`, 'tokens');
    return this.bpe.decode(ids);
  }

  async scoreTokens(ids: number[], want: ScoreWants, signal?: AbortSignal): Promise<(ScoredPosition | null)[]> {
    await this.decode(ids); // validates the ids
    const walk = this.model.tables.cursor();
    // The full distribution costs a pass over the vocabulary per token: build it only for top-k or ranks.
    const dist = want.topK > 0 || want.rank ? new Float64Array(this.bpe.vocabSize) : undefined;
    const scratch = new SparseDistribution(this.bpe.vocabSize);
    const out: (ScoredPosition | null)[] = [null];
    if (ids[0] !== BOS) walk.advance(BOS); // a sequence without BOS is read as if it followed one
    walk.advance(ids[0]);
    for (let i = 1; i < ids.length; i++) {
      if (i % 256 === 0 && signal?.aborted) throw signal.reason;
      if (dist) walk.distribution(dist, scratch);
      const id = ids[i];
      const p = walk.advance(id);
      out.push({
        ...this.token(id, p),
        rank: want.rank && dist ? rankOf(id, dist) : null,
        top: want.topK > 0 && dist ? this.top(dist, want.topK) : [],
      });
    }
    return out;
  }

  async *sample(ids: number[], params: SampleParams, signal?: AbortSignal): AsyncIterable<SampledPosition> {
    const prompt = ids[0] === BOS ? ids : [BOS, ...ids];
    const generated = new Map<number, number>();
    const sampler = new TokenSampler(this.model.tables, prompt, params, drawWeights(params, generated));
    const dist = params.topK > 0 ? new Float64Array(this.bpe.vocabSize) : undefined;
    const decode = this.bpe.streamDecoder();
    for (let n = 0; ; n++) {
      if (signal?.aborted) throw signal.reason;
      if (n % 64 === 63) await new Promise((r) => setImmediate(r)); // let other requests and disconnects through
      const id = sampler.next();
      generated.set(id, (generated.get(id) ?? 0) + 1);
      // The chosen token's probability and the alternatives come from the distribution it was drawn from.
      if (dist) sampler.distribution(dist);
      const p = sampler.probability(id);
      if (id === EOS) {
        yield { ...this.token(id, p), text: '', top: dist ? this.top(dist, params.topK) : [], end: true };
        return;
      }
      yield { ...this.token(id, p), text: decode(id), top: dist ? this.top(dist, params.topK) : [] };
    }
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    return this.model.embed(texts);
  }

  /** A token with its log-prob `log p` (from the scorer, exactly as `score` computes it). */
  private token(id: number, p: number): TokenLogprob {
    return { id, text: this.bpe.tokenString(id), bytes: this.bpe.tokenBytes(id), logprob: Math.log(p) };
  }

  /** The k most likely tokens, most likely first (one pass, insertion into a short sorted list). */
  private top(dist: Float64Array, k: number): TokenLogprob[] {
    const best: number[] = [];
    for (let w = 0; w < dist.length; w++) {
      if (dist[w] <= 0 || (best.length === k && dist[w] <= dist[best[k - 1]])) continue;
      if (best.length === k) best.pop();
      let j = best.length;
      while (j > 0 && dist[best[j - 1]] < dist[w]) j--;
      best.splice(j, 0, w);
    }
    return best.map((w) => this.token(w, dist[w]));
  }
}

/**
 * The factors OpenAI's logit bias and penalties put on each draw's probabilities: a logit
 * change of b is a factor e^b. Undefined when the request asks for none.
 */
function drawWeights(params: SampleParams, generated: ReadonlyMap<number, number>): (() => ReadonlyMap<number, number>) | undefined {
  const presence = params.presencePenalty ?? 0;
  const frequency = params.frequencyPenalty ?? 0;
  const bias = params.logitBias;
  if (!bias?.size && presence === 0 && frequency === 0) return undefined;
  return () => {
    const logits = new Map(bias);
    if (presence !== 0 || frequency !== 0) for (const [w, count] of generated) logits.set(w, (logits.get(w) ?? 0) - presence - frequency * count);
    return new Map([...logits].map(([w, b]) => [w, Math.exp(b)]));
  };
}

/** 1-based rank of `id` in `dist`: one more than the number of more likely tokens. */
function rankOf(id: number, dist: Float64Array): number {
  let rank = 1;
  const own = dist[id];
  for (let w = 0; w < dist.length; w++) if (dist[w] > own) rank++;
  return rank;
}
