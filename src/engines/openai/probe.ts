import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../util/atomic.js';
import { followAbort } from '../../util/abort.js';
import type { Capability } from '../../domain/models.js';
import { userCacheDir } from './cache-dir.js';
import { streamChat } from './chat.js';
import { DEFAULT_TIMEOUT_MS, Endpoint, normalizeBaseUrl } from './endpoint.js';
import { explainUnreachable } from './preflight.js';
import { redactSecrets } from './secrets.js';
import { EndpointPool } from './pool.js';
import { RequestFailedError, stepStopper } from './errors.js';
import { scoreOn, type ScoringMethod } from './scoring.js';
import { contextLengthOf, guessServerKind, listModels, type ListedModel, type ServerKind } from './server-info.js';
import { tokenizeOn } from './tokenize.js';

/** What one served model can do, found by trying each thing once. Never holds a key. */
export interface ModelProbe {
  model: string;
  /** vLLM: the base model of a LoRA adapter. */
  parent?: string;
  chat: boolean;
  streaming: boolean;
  chatLogprobs: boolean;
  tokenize: boolean;
  /** How prompt log-probs came back (count checked against the prompt's tokens), or null. */
  scoring: ScoringMethod | null;
  embeddings: boolean;
  contextLength: number | null;
  contextSource?: string;
  /** Plain words for each thing it cannot do, and why. */
  notes: string[];
}

export interface ServerProbe {
  baseUrl: string;
  server: ServerKind;
  probedAt: string;
  models: ModelProbe[];
  /** Listed by the server but not probed (a probe asked for some models only). */
  unprobed?: string[];
}

/** The command that probes one model of a server again, for errors that rest on an old probe. */
export function reprobeCommand(baseUrl: string, model: string): string {
  return `baskets models ${normalizeBaseUrl(baseUrl)} --models ${model} --refresh`;
}

/** `probes/<hash of base url>.json` under the user cache dir. */
export function probeCacheFile(baseUrl: string): string {
  const hash = createHash('sha256').update(normalizeBaseUrl(baseUrl)).digest('hex').slice(0, 16);
  return join(userCacheDir(), 'probes', `${hash}.json`);
}

export function readCachedProbe(baseUrl: string): ServerProbe | null {
  try {
    const probe = JSON.parse(readFileSync(probeCacheFile(baseUrl), 'utf8')) as ServerProbe;
    return probe.baseUrl === normalizeBaseUrl(baseUrl) && Array.isArray(probe.models) ? probe : null;
  } catch {
    return null;
  }
}

function writeCachedProbe(probe: ServerProbe): void {
  writeJsonAtomic(probeCacheFile(probe.baseUrl), probe);
}

/** The engine capabilities a probe grants. */
export function capabilitiesOf(probe: ModelProbe): Set<Capability> {
  const caps = new Set<Capability>();
  if (probe.chat) caps.add('generate').add('judge').add('rate');
  if (probe.tokenize) caps.add('tokenize');
  if (probe.scoring) caps.add('score');
  if (probe.embeddings) caps.add('embed');
  return caps;
}

/** How a server kind is named in what the user reads. */
export const SERVER_NAMES: Record<ServerKind, string> = {
  vllm: 'vLLM',
  sglang: 'SGLang',
  'llama.cpp': 'llama.cpp',
  ollama: 'Ollama',
  'lm-studio': 'LM Studio',
  openai: 'OpenAI',
  baskets: 'baskets serve',
  unknown: 'this server',
};

/** The plain refusal for perplexity on a server that gives no prompt log-probs. */
export function cannotScore(server: ServerKind): string {
  return `${SERVER_NAMES[server]} cannot score a given text: perplexity needs vLLM or SGLang`;
}

interface ProbeOptions {
  apiKeyEnv?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
}

/** Try each capability of one model; a refusal is a "no" with its reason, a flaky error is retried. */
export async function probeModel(pool: EndpointPool, listed: ListedModel, server: ServerKind, signal?: AbortSignal): Promise<ModelProbe> {
  const name = SERVER_NAMES[server];
  const notes: string[] = [];
  const attempt = async <T>(what: string, fn: (e: Endpoint) => Promise<T>): Promise<T | null> => {
    try {
      return await pool.call(fn, { what, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      // A refused key says nothing about what the model can do: fail the probe rather than cache a "no".
      if (err instanceof RequestFailedError && err.failure.status === 401) throw stepStopper(err);
      notes.push(`${what}: ${(err as Error).message}`);
      return null;
    }
  };
  const model = listed.id;
  const hello = [{ role: 'user' as const, content: 'Say OK.' }];

  const chatReply = await attempt('chat', (e) =>
    e.client.chat.completions.create({ model, messages: hello, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 2 }, { signal }),
  );
  const chatLogprobs = Boolean(chatReply?.choices[0]?.logprobs?.content?.length);
  let chat = chatReply !== null;
  if (!chat) {
    // Some servers refuse the logprobs fields; chat itself may still work.
    const plain = await attempt('chat', (e) => e.client.chat.completions.create({ model, messages: hello, max_tokens: 4, temperature: 0 }, { signal }));
    chat = plain !== null;
    if (chat) notes.splice(0, notes.length);
  }
  if (chat && !chatLogprobs) notes.push(`${name} returns no chat log-probs: self-preference falls back to parsed verdicts`);
  const streaming = chat && (await attempt('streaming', (e) => streamChat(e, model, hello, { temperature: 0, topP: 1, maxTokens: 4, seed: 1 }, { signal }))) !== null;

  const tokenized = await attempt('tokenize', (e) => tokenizeOn(e, model, model, 'Hello there.', { signal }));
  let scoring: ScoringMethod | null = null;
  if (tokenized) {
    scoring = (await attempt('score', (e) => scoreOn(e, model, model, hello, 'OK, here it is.', signal)))?.method ?? null;
  }
  if (!scoring) notes.push(cannotScore(server));

  const embedded = await attempt('embeddings', (e) => e.client.embeddings.create({ model, input: ['probe'], encoding_format: 'float' }, { signal }));
  const vector = embedded?.data[0]?.embedding;
  const embeddings = Array.isArray(vector) && vector.length > 0 && vector.every((x) => typeof x === 'number');
  if (!embeddings) notes.push(`${name} serves no embeddings for this model (vLLM/SGLang need a separate pooling-model instance)`);

  const context = await contextLengthOf(pool.endpoints[0], listed, signal).catch(() => null);
  if (!context) notes.push('context length not reported by the server');
  return {
    model,
    ...(listed.parent ? { parent: listed.parent } : {}),
    chat,
    streaming,
    chatLogprobs,
    tokenize: tokenized !== null,
    scoring,
    embeddings,
    contextLength: context?.tokens ?? null,
    ...(context ? { contextSource: context.source } : {}),
    notes,
  };
}

function openPool(baseUrl: string, opts: ProbeOptions): EndpointPool {
  const endpoint = new Endpoint(baseUrl, { concurrency: 4, apiKeyEnv: opts.apiKeyEnv, timeoutMs: opts.timeoutMs ?? 60_000 });
  return new EndpointPool([endpoint], opts.retries ?? 2, opts.apiKeyEnv);
}

/**
 * List a server's models and probe them, cached per server. `models` probes only those (on
 * OpenAI every probe is a paid request, and a server may list a hundred models) and merges
 * them into the cached entry; `refresh` probes again instead of trusting the cache.
 */
export async function probeServer(baseUrl: string, opts: ProbeOptions & { refresh?: boolean; models?: string[] } = {}): Promise<ServerProbe> {
  const wanted = opts.models?.length ? new Set(opts.models) : null;
  const cached = readCachedProbe(baseUrl);
  const inCache = (id: string) => cached?.models.some((m) => m.model === id) ?? false;
  if (cached && !opts.refresh && (wanted ? [...wanted].every(inCache) : !cached.unprobed?.length)) return cached;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS / 10;
  const pool = openPool(baseUrl, { ...opts, timeoutMs });
  // Every probe request, retry wait and watchdog listens for a cancel: on a linked signal of our
  // own, so that several sessions' models probing at once never trip Node's listener-leak warning.
  const linked = followAbort(opts.signal);
  opts = { ...opts, signal: linked.controller.signal };
  try {
    let listed: ListedModel[];
    try {
      listed = await pool.call((e) => listModels(e, opts.signal), { what: 'listing models', signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new Error(redactSecrets(explainUnreachable(normalizeBaseUrl(baseUrl), err, opts.apiKeyEnv, timeoutMs), opts.apiKeyEnv));
    }
    const server = guessServerKind(listed, baseUrl);
    // A model asked for by name that the list leaves out may still be served: servers that load
    // on demand (transformers serve takes any local path or hub id) list only what they cached.
    const unlisted = wanted ? [...wanted].filter((id) => !listed.some((m) => m.id === id)).map((id): ListedModel => ({ id })) : [];
    const targets = [...listed, ...unlisted].filter((m) => (wanted ? wanted.has(m.id) && (opts.refresh || !inCache(m.id)) : true));
    const probed = (await Promise.all(targets.map((m) => probeModel(pool, m, server, opts.signal))))
      .filter((m) => m.chat || !unlisted.some((u) => u.id === m.model))
      .map((m) => (unlisted.some((u) => u.id === m.model) ? { ...m, notes: [`not in the server's list of models, but it answers for it (loaded on demand)`, ...m.notes] } : m));
    const fresh = new Set(probed.map((m) => m.model));
    // Merge into the cache as it is now, not as it was when this probe began: another probe of
    // the same server (a session's other models) may have written its models meanwhile.
    const current = wanted ? readCachedProbe(baseUrl) : null;
    const kept = current ? current.models.filter((m) => !fresh.has(m.model) && (listed.some((l) => l.id === m.model) || m.notes[0]?.startsWith('not in the server'))) : [];
    const models = [...kept, ...probed].sort((a, b) => a.model.localeCompare(b.model));
    const unprobed = listed.map((l) => l.id).filter((id) => !models.some((m) => m.model === id));
    const probe: ServerProbe = {
      baseUrl: normalizeBaseUrl(baseUrl),
      server,
      probedAt: new Date().toISOString(),
      models,
      ...(unprobed.length ? { unprobed: unprobed.sort() } : {}),
    };
    writeCachedProbe(probe);
    return probe;
  } finally {
    linked.release();
    await pool.close();
  }
}
