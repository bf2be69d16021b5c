import { APIError } from 'openai';
import { CapabilityError, type ChatMessage, type ScoreResult } from '../../domain/models.js';
import type { Endpoint } from './endpoint.js';
import { refusedOutright } from './errors.js';
import { tokenizeOn } from './tokenize.js';

export const SCORE_HINT = 'it returns no log-probabilities for a given text (perplexity needs vLLM or SGLang: completions with echo or prompt_logprobs)';

/** How a server gave prompt log-probs: OpenAI-style `echo`, or vLLM's `prompt_logprobs`. */
export type ScoringMethod = 'echo' | 'prompt_logprobs';

interface CompletionChoice {
  logprobs?: { tokens?: string[]; token_logprobs?: (number | null)[] } | null;
  prompt_logprobs?: (Record<string, { logprob: number }> | null)[] | null;
}

/**
 * Log-probabilities of `continuation` after the chat-formatted prompt. The boundary is set by
 * token ids: the prompt through the chat template and the continuation are tokenized apart
 * and sent as one id sequence, so the first continuation token sits at a known index (never
 * guessed from `text_offset`). Servers that return fewer prompt log-probs than tokens sent
 * (llama.cpp silently scores only the generated token) are refused, loudly.
 */
export async function scoreOn(
  endpoint: Endpoint,
  modelId: string,
  model: string,
  messages: ChatMessage[],
  continuation: string,
  signal?: AbortSignal,
): Promise<ScoreResult & { method: ScoringMethod }> {
  const prompt = await tokenizeOn(endpoint, modelId, model, messages, { signal });
  const cont = await tokenizeOn(endpoint, modelId, model, continuation, { signal, addSpecialTokens: false });
  const ids = [...prompt.ids, ...cont.ids];
  const boundary = prompt.ids.length;
  // vLLM refuses max_tokens 0, so one token is generated and ignored.
  const base = { model, prompt: ids, max_tokens: 1, temperature: 0 };

  const echoed = (await unlessRefused(endpoint.send(signal, (options) => endpoint.client.completions.create({ ...base, echo: true, logprobs: 0 }, options)))) as
    | { choices: CompletionChoice[]; usage?: { completion_tokens?: number } }
    | undefined;
  const echo = echoed?.choices[0]?.logprobs;
  const generated = echoed?.usage?.completion_tokens ?? 1;
  if (echo?.token_logprobs && echo.token_logprobs.length - generated === ids.length) {
    return {
      tokens: cont.tokens,
      logprobs: echo.token_logprobs.slice(boundary, ids.length).map((lp) => lp ?? Number.NaN),
      method: 'echo',
    };
  }

  // vLLM's own parameter, for servers whose echo path is missing or partial.
  const viaPrompt = (await unlessRefused(endpoint.send(signal, (options) => endpoint.client.completions.create({ ...base, prompt_logprobs: 0 } as never, options)))) as
    | { choices: CompletionChoice[] }
    | undefined;
  const promptLogprobs = viaPrompt?.choices[0]?.prompt_logprobs;
  if (promptLogprobs && promptLogprobs.length === ids.length) {
    const logprobs = ids.slice(boundary).map((id, k) => promptLogprobs[boundary + k]?.[String(id)]?.logprob ?? Number.NaN);
    if (logprobs.every(Number.isFinite)) return { tokens: cont.tokens, logprobs, method: 'prompt_logprobs' };
  }
  const got = echo?.token_logprobs ? echo.token_logprobs.length - generated : 0;
  throw new CapabilityError(modelId, 'score', `${SCORE_HINT}; it returned ${Math.max(0, got)} prompt log-probs for ${ids.length} prompt tokens`);
}

/**
 * A request the server refuses as unsupported (4xx other than 429) counts as "no such feature";
 * a refused key or an unserved model does not: those fail the next request too.
 */
async function unlessRefused<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    const status = err instanceof APIError ? err.status : undefined;
    if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429 && !refusedOutright(status, { error: (err as APIError).error, message: (err as APIError).message })) return undefined;
    throw err;
  }
}
