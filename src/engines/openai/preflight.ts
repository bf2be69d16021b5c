import { APIError } from 'openai';
import type { ModelEntry } from '../../domain/session.js';
import { Endpoint } from './endpoint.js';
import { NotOpenAICompatibleError, StallError, rootCause } from './errors.js';
import { EndpointPool } from './pool.js';
import { redactSecrets } from './secrets.js';
import { listModels } from './server-info.js';

const PREFLIGHT_TIMEOUT_MS = 10_000;

/**
 * Check an openai model entry before any work: its key variable is set, every replica answers
 * `/models`, and each serves the model. Returns one line naming the model and what to do, or
 * null when all is well.
 */
export async function preflightOpenAIModel(entry: ModelEntry, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string | null> {
  if (entry.engine.engine !== 'openai') return null;
  const { apiKeyEnv, baseUrls, model } = entry.engine;
  const who = `model "${entry.id}"`;
  if (apiKeyEnv && !process.env[apiKeyEnv]) {
    return `${who}: environment variable ${apiKeyEnv} is not set — export ${apiKeyEnv}=<key> (or remove apiKeyEnv for a server that needs no key)`;
  }
  const timeoutMs = opts.timeoutMs ?? PREFLIGHT_TIMEOUT_MS;
  for (const baseUrl of baseUrls) {
    const endpoint = new Endpoint(baseUrl, { concurrency: 1, apiKeyEnv, timeoutMs });
    const pool = new EndpointPool([endpoint], 1, apiKeyEnv);
    try {
      const listed = await pool.call((e) => listModels(e, opts.signal), { what: 'listing models', signal: opts.signal });
      if (!listed.some((m) => m.id === model) && !(await answersFor(pool, model, opts.signal))) {
        const served = listed.map((m) => m.id).slice(0, 8).join(', ') || 'none';
        return `${who}: ${endpoint.baseUrl} does not serve "${model}" (it serves: ${served}) — fix engine.model`;
      }
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      return redactSecrets(`${who}: ${explainUnreachable(endpoint.baseUrl, err, apiKeyEnv, timeoutMs)}`, apiKeyEnv);
    } finally {
      await pool.close();
    }
  }
  return null;
}

/** Whether a server answers for a model it does not list (servers that load models on demand, as transformers serve does). */
async function answersFor(pool: EndpointPool, model: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await pool.call((e) => e.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'OK' }], max_tokens: 1 }, { signal }), { what: 'a one-token chat', signal });
    return true;
  } catch (err) {
    if (signal?.aborted) throw err;
    return false;
  }
}

/** Why a server could not be listed, and what to do about it, in one line. */
export function explainUnreachable(baseUrl: string, err: unknown, apiKeyEnv: string | undefined, timeoutMs: number): string {
  const cause = rootCause(err);
  const host = new URL(baseUrl).host;
  if (cause.code === 'ENOTFOUND' || cause.code === 'EAI_AGAIN') return `cannot resolve host "${new URL(baseUrl).hostname}" (${baseUrl}) — check the base URL`;
  if (cause.code === 'ECONNREFUSED') return `nothing is listening at ${baseUrl} — start the server (e.g. \`vllm serve <model> --port ${new URL(baseUrl).port || 80}\`) or fix the base URL`;
  const inner = (err as { cause?: unknown }).cause ?? err;
  if (inner instanceof APIError && (inner.status === 401 || inner.status === 403)) {
    return apiKeyEnv ? `${baseUrl} rejected the API key in ${apiKeyEnv} — check its value` : `${baseUrl} needs an API key — set engine.apiKeyEnv to the variable that holds it`;
  }
  if (inner instanceof NotOpenAICompatibleError) return `the server at ${baseUrl} did not answer like an OpenAI-compatible API (${inner.got}) — check the base URL (it usually ends in /v1)`;
  if (inner instanceof APIError && inner.status === 404) return `${baseUrl} has no /models — check the base URL (it usually ends in /v1)`;
  if (inner instanceof StallError || /timed? ?out/i.test(cause.message)) return `${host} did not answer within ${Math.round(timeoutMs / 1000)} s — check that the server is up`;
  return `${baseUrl} is not usable (${cause.message}) — check the server and the base URL`;
}
