import type { ModelEntry } from '../../domain/session.js';
import {
  CapabilityError,
  type Capability,
  type CallOptions,
  type ChatMessage,
  type GenerateParams,
  type Generation,
  type GenerationDelta,
  type LanguageModel,
  type PairwiseJudgement,
  type Rating,
  type ScoreResult,
} from '../../domain/models.js';
import { streamChat } from './chat.js';
import { DEFAULT_TIMEOUT_MS, Endpoint } from './endpoint.js';
import { judgePairOn, rateOn } from './judging.js';
import { EndpointPool } from './pool.js';
import { cannotScore, capabilitiesOf, probeServer, reprobeCommand, type ModelProbe } from './probe.js';
import { scoreOn } from './scoring.js';
import type { ServerKind } from './server-info.js';
import { tokenizeOn } from './tokenize.js';

export { preflightOpenAIModel } from './preflight.js';
export { capabilitiesOf, probeServer, readCachedProbe, probeCacheFile, reprobeCommand, type ModelProbe, type ServerProbe } from './probe.js';
export { EndpointUnusableError, RequestFailedError, stepStopper } from './errors.js';
export { redactSecrets } from './secrets.js';

export interface OpenAIModelOptions {
  /** The id the session uses; defaults to the entry's. */
  id?: string;
  signal?: AbortSignal;
  /** Retries after a retryable failure (429, 5xx, reset, malformed body, stall); overrides the entry's `maxRetries`. */
  retries?: number;
  /** An attempt not done in this long fails; overrides the entry's `timeoutS`. */
  timeoutMs?: number;
  /** Probe capabilities again instead of trusting the per-server cache. */
  refreshProbe?: boolean;
}

type OpenAIEntry = ModelEntry & { engine: { engine: 'openai' } };

const EMBED_BATCH = 64;
const DEFAULT_RETRIES = 5;
const PROBE_RETRIES = 5;
/** Used when a server does not say (llama.cpp without /props, OpenAI). */
const FALLBACK_CONTEXT = 4096;

/** A model on one or more OpenAI-compatible replicas that share its work. */
class OpenAIModel implements LanguageModel {
  readonly capabilities: ReadonlySet<Capability>;
  readonly contextLength: number;

  constructor(
    readonly id: string,
    private readonly model: string,
    private readonly pool: EndpointPool,
    probe: ModelProbe,
    private readonly server: ServerKind,
    /** How to probe this model again, for refusals that rest on a cached probe. */
    private readonly reprobe: string,
  ) {
    this.capabilities = capabilitiesOf(probe);
    this.contextLength = probe.contextLength ?? FALLBACK_CONTEXT;
  }

  /** Requests in flight across all replicas. */
  get inFlight(): number {
    return this.pool.inFlight;
  }

  generate(
    messages: ChatMessage[],
    params: GenerateParams,
    opts: CallOptions & { onDelta?: (delta: GenerationDelta) => void } = {},
  ): Promise<Generation> {
    return this.pool.call((e) => streamChat(e, this.model, messages, params, opts), { what: `chat for model "${this.id}"`, signal: opts.signal });
  }

  async score(messages: ChatMessage[], continuation: string, opts: CallOptions = {}): Promise<ScoreResult> {
    if (!this.capabilities.has('score')) throw new CapabilityError(this.id, 'score', `${cannotScore(this.server)} (if that changed: ${this.reprobe})`);
    const { tokens, logprobs } = await this.pool.call((e) => scoreOn(e, this.id, this.model, messages, continuation, opts.signal), {
      what: `scoring for model "${this.id}"`,
      signal: opts.signal,
    });
    return { tokens, logprobs };
  }

  async embed(texts: string[], opts: CallOptions = {}): Promise<Float32Array[]> {
    if (!this.capabilities.has('embed')) {
      throw new CapabilityError(this.id, 'embed', `the server serves no embeddings for it (start a pooling-model instance on vLLM/SGLang; then ${this.reprobe})`);
    }
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      const batch = texts.slice(i, i + EMBED_BATCH);
      // Always floats: the SDK's default base64 decoding corrupts vectors from most local servers.
      const res = await this.pool.call((e) => e.send(opts.signal, (options) => e.client.embeddings.create({ model: this.model, input: batch, encoding_format: 'float' }, options), e.opts.timeoutMs), {
        what: `embeddings for model "${this.id}"`,
        signal: opts.signal,
      });
      for (const item of [...res.data].sort((a, b) => a.index - b.index)) out.push(Float32Array.from(item.embedding));
    }
    return out;
  }

  judgePair(question: string, answerA: string, answerB: string, opts: CallOptions = {}): Promise<PairwiseJudgement> {
    return this.pool.call((e) => judgePairOn(e, this.model, question, answerA, answerB, opts.signal), {
      what: `judging for model "${this.id}"`,
      signal: opts.signal,
    });
  }

  rate(question: string, answer: string, opts: CallOptions = {}): Promise<Rating> {
    return this.pool.call((e) => rateOn(e, this.model, question, answer, opts.signal), { what: `rating for model "${this.id}"`, signal: opts.signal });
  }

  tokenize(input: string | ChatMessage[]): Promise<{ ids: number[]; tokens: string[] }> {
    return this.pool.call((e) => tokenizeOn(e, this.id, this.model, input), { what: `tokenizing for model "${this.id}"` });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The one-line refusal for a source whose probe found no working chat, and how to probe again. */
export function cannotGenerate(entry: ModelEntry): string {
  if (entry.engine.engine !== 'openai') return `model "${entry.id}" cannot generate on the ${entry.engine.engine} engine`;
  const { baseUrls, model } = (entry as OpenAIEntry).engine;
  return `model "${entry.id}" cannot generate: its probe found no working chat for "${model}" at ${baseUrls[0]} — fix the server or engine.model, then probe again: ${reprobeCommand(baseUrls[0], model)}`;
}

/**
 * Open a session's openai model entry: one pooled client per replica, capabilities from the
 * per-server probe cache (probing this model when it is not cached yet).
 */
export async function openOpenAIModel(entry: ModelEntry, opts: OpenAIModelOptions = {}): Promise<LanguageModel & { close(): Promise<void>; readonly inFlight: number }> {
  if (entry.engine.engine !== 'openai') throw new Error(`model "${entry.id}" uses the ${entry.engine.engine} engine, not openai`);
  const config = (entry as OpenAIEntry).engine;
  const id = opts.id ?? entry.id;
  const timeoutMs = opts.timeoutMs ?? (config.timeoutS === undefined ? DEFAULT_TIMEOUT_MS : config.timeoutS * 1000);
  const seconds = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  const endpoints = config.baseUrls.map(
    (url) =>
      new Endpoint(url, {
        concurrency: config.concurrency,
        apiKeyEnv: config.apiKeyEnv,
        timeoutMs,
        firstTokenTimeoutMs: seconds(config.firstTokenTimeoutS),
        idleTimeoutMs: seconds(config.idleTimeoutS),
        shareLimit: true,
      }),
  );
  const pool = new EndpointPool(endpoints, opts.retries ?? config.maxRetries ?? DEFAULT_RETRIES, config.apiKeyEnv);
  try {
    const server = await probeServer(config.baseUrls[0], {
      apiKeyEnv: config.apiKeyEnv,
      signal: opts.signal,
      refresh: opts.refreshProbe,
      models: [config.model],
      timeoutMs,
      // Probes keep their own budget: a flaky moment must not be cached as "cannot".
      retries: PROBE_RETRIES,
    });
    const probe = server.models.find((m) => m.model === config.model);
    if (!probe) {
      throw new Error(`model "${id}": ${config.baseUrls[0]} does not serve "${config.model}" — fix engine.model (see \`baskets models ${config.baseUrls[0]}\`)`);
    }
    return new OpenAIModel(id, config.model, pool, probe, server.server, reprobeCommand(config.baseUrls[0], config.model));
  } catch (err) {
    await pool.close();
    throw err;
  }
}
