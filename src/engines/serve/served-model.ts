import type { ChatMessage } from '../../domain/models.js';
import type { TrainEvent, TrainRequest } from './jobs.js';

/**
 * What the HTTP layer needs of a model, one level below the chat-oriented `LanguageModel`:
 * token ids, per-position log-probs with their top alternatives, and token-by-token sampling.
 * OpenAI's completions API (raw prompts, echo, prompt_logprobs) and chat `top_logprobs` are
 * defined at that level. An engine adapter (see builtin-provider.ts) implements it, so the
 * routes never depend on engine internals.
 */

export interface ModelInfo {
  id: string;
  /** Unix seconds. */
  created: number;
  ownedBy: string;
  /** The base a fine-tuned model was trained from; null for a base model. */
  parent: string | null;
  /** What the model ultimately derives from (vLLM's `root`). */
  root: string;
  contextLength: number;
}

export interface Encoded {
  ids: number[];
  tokens: string[];
}

export interface TokenLogprob {
  id: number;
  /** The token's text as it appears in decoded output. */
  text: string;
  /** Its UTF-8 bytes, which may hold part of a character that `text` cannot show. */
  bytes: Uint8Array;
  logprob: number;
}

/** One position of a scored or sampled sequence: the token there and the most likely alternatives. */
export interface PositionLogprobs extends TokenLogprob {
  top: TokenLogprob[];
}

/** A sampled position; `end` marks the end-of-text token, which has no text. */
export interface SampledPosition extends PositionLogprobs {
  end?: boolean;
}

/** A scored prompt position also knows its token's rank (vLLM's prompt_logprobs carry it). */
export interface ScoredPosition extends PositionLogprobs {
  /** 1-based rank of the token in the model's distribution; null unless asked for. */
  rank: number | null;
}

/** What scoring should report beyond each token's log-prob; each costs a pass over the vocabulary per token. */
export interface ScoreWants {
  /** How many alternatives each position lists (0: none). */
  topK: number;
  /** Whether each position carries its token's rank. */
  rank: boolean;
}

export interface SampleParams {
  temperature: number;
  topP: number;
  seed: number;
  /** How many alternatives each sampled position reports (0: none). */
  topK: number;
  /**
   * OpenAI's reweighting of the draw (the reported log-probs stay the model's own): a bias
   * added to the logits of some token ids, and penalties subtracted from the logit of each
   * token already generated, once (presence) and per time (frequency).
   */
  logitBias?: ReadonlyMap<number, number>;
  presencePenalty?: number;
  frequencyPenalty?: number;
}

/** What `/tokenizer_info` tells a client that tokenizes through the server (lm-eval's remote tokenizer). */
export interface TokenizerInfo {
  bosToken: string;
  eosToken: string;
  /** The chat template as Jinja, as a Hugging Face tokenizer config holds it. */
  chatTemplate: string;
}

export interface ServedModel {
  readonly info: ModelInfo;
  readonly canEmbed: boolean;
  readonly tokenizer: TokenizerInfo;
  /** The most UTF-8 bytes one token spans: a text of n bytes is at least n / this many tokens. */
  readonly maxTokenBytes: number;
  /** Each id's token string, special tokens by name ("<bos>"). */
  tokenStrings(ids: number[]): string[];
  /** The text each id adds when the ids are decoded in order (special tokens add none; a split character shows where it completes). */
  decodePieces(ids: number[]): string[];
  /** Apply the model's chat template, optionally ending with the assistant's turn header. */
  encodeChat(messages: ChatMessage[], addGenerationPrompt: boolean): Promise<Encoded>;
  /** `addSpecialTokens` (default true) puts BOS first, as vLLM does for raw prompts. */
  encodeText(text: string, addSpecialTokens?: boolean): Promise<Encoded>;
  decode(ids: number[]): Promise<string>;
  /** Entry i (i ≥ 1) scores ids[i] given ids[0..i); entry 0 is null (nothing precedes it). */
  scoreTokens(ids: number[], want: ScoreWants, signal?: AbortSignal): Promise<(ScoredPosition | null)[]>;
  /**
   * Sample a continuation of `ids` token by token. The end-of-text token comes last, marked
   * `end`, with no text: vLLM returns it too, with its log-prob, and counts it as generated.
   */
  sample(ids: number[], params: SampleParams, signal?: AbortSignal): AsyncIterable<SampledPosition>;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** The models a server offers: listed without loading, opened lazily on first use. */
export interface ModelProvider {
  list(): ModelInfo[];
  /** Resolves the model, loading it on first use; undefined when no such model is served. */
  open(id: string): Promise<ServedModel> | undefined;
}

/** An engine behind `baskets serve`: its base models, its trained models, and its trainer. */
export interface ServeEngine {
  bases(): ModelInfo[];
  openBase(id: string): Promise<ServedModel>;
  /** A fine-tuned model, served under `info.id`, from the directory its training run wrote. */
  openTrained(info: ModelInfo, modelDir: string): Promise<ServedModel>;
  train(req: TrainRequest): AsyncIterable<TrainEvent>;
}
