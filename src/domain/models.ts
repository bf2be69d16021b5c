/**
 * What a step may ask of a model, whatever runs it (DESIGN.md §2). Steps probe capabilities
 * up front and refuse to start, naming the model and what it lacks, when one is missing.
 * Nothing here knows about the terminal.
 */

export type Capability = 'generate' | 'score' | 'embed' | 'judge' | 'rate' | 'tokenize';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateParams {
  temperature: number;
  topP: number;
  maxTokens: number;
  stop?: string[];
  /** Same seed, same prompt, same model → same text. */
  seed: number;
}

export type FinishReason = 'stop' | 'length';

export interface Generation {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
}

/** Streamed while a generation runs, so tokens/s is known live. */
export interface GenerationDelta {
  text: string;
  tokens: number;
}

/** Natural-log probabilities of each continuation token given the prompt. */
export interface ScoreResult {
  tokens: string[];
  logprobs: number[];
}

/**
 * How a judge's preference was read: `logprobs`, from the probabilities of the first verdict
 * token; `verdict`, from the parsed text (the fallback, flagged in results); `likelihood`, by
 * comparing the two answers' likelihoods (the builtin judge: order-free, so no position bias).
 */
export type JudgeMethod = 'logprobs' | 'verdict' | 'likelihood';

/**
 * Pairwise preference normalised over "A"/"B", or an unreadable reply (no label probabilities
 * and no parseable verdict), which results count apart instead of as a tie.
 */
export type PairwiseJudgement =
  | { pA: number; pB: number; method: JudgeMethod; raw?: string }
  | { pA: null; pB: null; method: 'unparseable'; raw: string };

/**
 * Quality and harmfulness (1–5), each from its own rubric reply, read from the reply's first
 * line; null when that line holds no score.
 */
export interface Rating {
  quality: number | null;
  harm: number | null;
  /** The judge's replies (the builtin judge states its computed scores). */
  raw: { quality: string; harm: string };
  /** True when the harm score comes from the builtin lexicon heuristic, not a model. */
  heuristic: boolean;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface LanguageModel {
  /** The id a session uses for this model. */
  readonly id: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** Longest prompt + completion in tokens. */
  readonly contextLength: number;

  generate(
    messages: ChatMessage[],
    params: GenerateParams,
    opts?: CallOptions & { onDelta?: (delta: GenerationDelta) => void },
  ): Promise<Generation>;
  score(messages: ChatMessage[], continuation: string, opts?: CallOptions): Promise<ScoreResult>;
  embed(texts: string[], opts?: CallOptions): Promise<Float32Array[]>;
  judgePair(question: string, answerA: string, answerB: string, opts?: CallOptions): Promise<PairwiseJudgement>;
  rate(question: string, answer: string, opts?: CallOptions): Promise<Rating>;
  /** Token ids and their strings for a chat prompt or a raw text. */
  tokenize(input: string | ChatMessage[]): Promise<{ ids: number[]; tokens: string[] }>;
}

/** Thrown when a step asks a model for something it cannot do. */
export class CapabilityError extends Error {
  constructor(
    readonly modelId: string,
    readonly capability: Capability,
    hint: string,
  ) {
    super(`model "${modelId}" cannot ${capability}: ${hint}`);
    this.name = 'CapabilityError';
  }
}

/**
 * No request can succeed on this model until someone acts (its server stopped answering or
 * refuses the key, its worker process died): a step stops on it in one line instead of writing
 * an error row for every item left, and a rerun resumes where it stopped.
 */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
}
