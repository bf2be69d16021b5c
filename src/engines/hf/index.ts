/**
 * The hf engine: Hugging Face models in process, each in a Python worker that baskets starts
 * on first use (trainers/hf_worker.py, with transformers, and PEFT for a trained adapter),
 * reused until the run ends. Generation, exact scoring, first-token verdicts and embeddings
 * come from the model itself, so a condition trained by the hf trainer is evaluated with its
 * own adapter and nothing to serve.
 */
import type { ModelEntry } from '../../domain/session.js';
import { judgementFromLabelLogprobs, pairwisePrompt, rateWith } from '../judging.js';
import {
  CapabilityError,
  type CallOptions,
  type Capability,
  type ChatMessage,
  type GenerateParams,
  type Generation,
  type GenerationDelta,
  type LanguageModel,
  type PairwiseJudgement,
  type Rating,
  type ScoreResult,
} from '../../domain/models.js';
import { HfWorker, type WorkerReady } from './worker.js';

export { WorkerExitedError, type WorkerReady } from './worker.js';

type HfEntry = ModelEntry & { engine: { engine: 'hf' } };
type HfEngineConfig = HfEntry['engine'];

/** Texts per embed request: the worker batches them by engine.batchSize itself. */
const EMBED_REQUEST = 256;
/** A rubric reply: the score alone on its first line. */
const RATING_TOKENS = 16;

/** The Python that runs workers: the engine's own, else $BASKETS_PYTHON, else python3 on PATH. */
function workerPython(config: HfEngineConfig, env: NodeJS.ProcessEnv = process.env): string {
  return config.python ?? (env.BASKETS_PYTHON || 'python3');
}

/** How messages name a worker's model: "tiny/human (/models/llama + adapter runs/…/adapter)". */
function describe(id: string, config: HfEngineConfig): string {
  return `model "${id}" (${config.model}${config.adapter ? ` + adapter ${config.adapter}` : ''})`;
}

class HfModel implements LanguageModel {
  readonly capabilities: ReadonlySet<Capability>;
  readonly contextLength: number;

  constructor(
    readonly id: string,
    private readonly worker: HfWorker,
    readonly loaded: WorkerReady,
  ) {
    this.capabilities = new Set(loaded.capabilities);
    this.contextLength = loaded.context_length;
  }

  private need(capability: Capability): void {
    if (!this.capabilities.has(capability)) {
      throw new CapabilityError(this.id, capability, 'the model has no language-model head (an encoder or a sentence-transformers embedder): it can only embed');
    }
  }

  async generate(messages: ChatMessage[], params: GenerateParams, opts: CallOptions & { onDelta?: (delta: GenerationDelta) => void } = {}): Promise<Generation> {
    this.need('generate');
    const out = await this.worker.request<Generation>('generate', { messages, params }, opts.signal);
    // The worker answers whole generations (batched), so the delta is the whole answer.
    opts.onDelta?.({ text: out.text, tokens: out.completionTokens });
    return out;
  }

  async score(messages: ChatMessage[], continuation: string, opts: CallOptions = {}): Promise<ScoreResult> {
    this.need('score');
    const out = await this.worker.request<ScoreResult>('score', { messages, continuation }, opts.signal);
    if (out.logprobs.length !== out.tokens.length || out.logprobs.some((lp) => !Number.isFinite(lp))) {
      throw new Error(`model "${this.id}" scored ${out.logprobs.length} of ${out.tokens.length} continuation tokens, or gave a non-finite log-prob`);
    }
    return out;
  }

  async embed(texts: string[], opts: CallOptions = {}): Promise<Float32Array[]> {
    this.need('embed');
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += EMBED_REQUEST) {
      const { vectors } = await this.worker.request<{ vectors: number[][] }>('embed', { texts: texts.slice(i, i + EMBED_REQUEST) }, opts.signal);
      for (const v of vectors) out.push(Float32Array.from(v));
    }
    return out;
  }

  /** The first verdict token's probabilities over every token that reads as A or B. */
  async judgePair(question: string, answerA: string, answerB: string, opts: CallOptions = {}): Promise<PairwiseJudgement> {
    this.need('judge');
    const { tokens, top } = await this.worker.request<{ tokens: { token: string; logprob: number }[]; top: string }>(
      'label_logprobs',
      { messages: pairwisePrompt(question, answerA, answerB), labels: ['A', 'B'] },
      opts.signal,
    );
    return judgementFromLabelLogprobs(tokens, top);
  }

  rate(question: string, answer: string, opts: CallOptions = {}): Promise<Rating> {
    this.need('rate');
    const reply = async (messages: ChatMessage[]) => (await this.generate(messages, { temperature: 0, topP: 1, maxTokens: RATING_TOKENS, seed: 0 }, opts)).text;
    return rateWith(reply, question, answer);
  }

  tokenize(input: string | ChatMessage[]): Promise<{ ids: number[]; tokens: string[] }> {
    return this.worker.request('tokenize', { input });
  }

  close(): Promise<void> {
    return this.worker.close();
  }

  get pid(): number | undefined {
    return this.worker.pid;
  }
}

export type OpenedHfModel = LanguageModel & { close(): Promise<void>; readonly loaded: WorkerReady; readonly pid: number | undefined };

/** Start a worker for an hf entry (its adapter, if any, loaded onto the model) and wait until it is ready. */
export async function openHfModel(entry: ModelEntry, opts: { id?: string; signal?: AbortSignal; script?: string } = {}): Promise<OpenedHfModel> {
  if (entry.engine.engine !== 'hf') throw new Error(`model "${entry.id}" uses the ${entry.engine.engine} engine, not hf`);
  const config = (entry as HfEntry).engine;
  const id = opts.id ?? entry.id;
  const args = [
    `--model=${config.model}`,
    ...(config.adapter ? [`--adapter=${config.adapter}`] : []),
    `--device=${config.device}`,
    `--dtype=${config.dtype}`,
    `--batch-size=${config.batchSize}`,
    ...(config.sentenceTransformers ? ['--sentence-transformers'] : []),
  ];
  const worker = await HfWorker.start({ args, python: workerPython(config), label: describe(id, config), signal: opts.signal, script: opts.script });
  return new HfModel(id, worker, worker.ready);
}

/** Load an hf entry's model in a worker to see what it can do, then let it go. */
export async function probeHfModel(entry: ModelEntry, opts: { signal?: AbortSignal } = {}): Promise<WorkerReady> {
  const model = await openHfModel(entry, opts);
  await model.close();
  return model.loaded;
}
