import { APIError } from 'openai';
import { CapabilityError, type ChatMessage } from '../../domain/models.js';
import type { Endpoint } from './endpoint.js';
import { refusedOutright } from './errors.js';

export interface Tokenized {
  ids: number[];
  tokens: string[];
}

const EMPTY_TOKENIZE_HINT = 'its /tokenize returned no tokens for a non-empty text (llama.cpp tokenizes another request shape; vLLM and SGLang are needed)';
const TOKENIZE_HINT = 'the server has no /tokenize endpoint (vLLM and SGLang have one; llama.cpp, Ollama and OpenAI do not)';

/**
 * vLLM-shaped `/tokenize` at the server root: a raw text, or chat messages through the
 * server's own chat template with the assistant turn opened (what the model sees before it
 * answers).
 */
export async function tokenizeOn(
  endpoint: Endpoint,
  modelId: string,
  model: string,
  input: string | ChatMessage[],
  opts: { signal?: AbortSignal; addSpecialTokens?: boolean } = {},
): Promise<Tokenized> {
  const body =
    typeof input === 'string'
      ? { model, prompt: input, add_special_tokens: opts.addSpecialTokens ?? true, return_token_strs: true }
      : { model, messages: input, add_generation_prompt: true, return_token_strs: true };
  const res = await endpoint.json('/tokenize', { body, signal: opts.signal });
  // A refused key, or a model the server no longer serves, fails every item alike: raised as the SDK would, so the pool and the step treat it so.
  if (refusedOutright(res.status, res.body)) {
    throw APIError.generate(res.status, res.body as object, `/tokenize answered HTTP ${res.status}`, new Headers());
  }
  if (res.status === 404 || res.status === 405) throw new CapabilityError(modelId, 'tokenize', TOKENIZE_HINT);
  const parsed = res.body as { tokens?: unknown; token_strs?: unknown } | string;
  if (res.status !== 200 || typeof parsed !== 'object' || !Array.isArray(parsed.tokens)) {
    throw new Error(`/tokenize at ${endpoint.root} answered HTTP ${res.status} without token ids`);
  }
  const ids = parsed.tokens.map(Number);
  // llama.cpp's /tokenize reads `content`, so it answers our vLLM-shaped body with no tokens.
  if (ids.length === 0 && input.length > 0) throw new CapabilityError(modelId, 'tokenize', EMPTY_TOKENIZE_HINT);
  const tokens = Array.isArray(parsed.token_strs) ? parsed.token_strs.map(String) : ids.map(String);
  return { ids, tokens };
}
