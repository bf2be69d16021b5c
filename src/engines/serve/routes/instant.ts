import { randomUUID } from 'node:crypto';
import { SseWriter, sendJson } from '../http.js';
import { ChatCompletionRequest, chatMessages, parseRequest } from '../requests.js';
import { mulberry32 } from '../../../util/rng.js';
import { requestSeed, type RouteContext } from '../context.js';
import { nowSeconds } from '../clock.js';
import { usage } from './chat.js';

/**
 * `--instant`: chat completions answered at once with deterministic text and no model work,
 * so a benchmark measures the client and the HTTP path alone. The words depend only on the
 * request's seed and max_tokens, so two runs send and receive the same bytes.
 */

const WORDS = ['the', 'basket', 'holds', 'many', 'eggs', 'from', 'several', 'sources', 'and', 'each', 'one', 'is', 'different'];
const DEFAULT_WORDS = 16;

export async function instantChatCompletions(ctx: RouteContext): Promise<void> {
  const req = parseRequest(ChatCompletionRequest, ctx.body);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_WORDS;
  const count = Math.min(maxTokens, DEFAULT_WORDS);
  const rand = mulberry32(requestSeed(req.seed ?? 0));
  const words = Array.from({ length: count }, (_, i) => (i === 0 ? '' : ' ') + WORDS[Math.floor(rand() * WORDS.length)]);
  const promptTokens = chatMessages(req.messages).reduce((sum, m) => sum + m.content.split(/\s+/).filter(Boolean).length, 0);
  const finishReason = count < maxTokens ? 'stop' : 'length';
  const n = req.n ?? 1;
  const head = { id: `chatcmpl-${randomUUID()}`, created: nowSeconds(), model: req.model, system_fingerprint: null };

  if (req.stream) {
    const sse = new SseWriter(ctx.res, ctx.resetMidStream);
    for (let index = 0; index < n; index++) {
      sse.send({ ...head, object: 'chat.completion.chunk', choices: [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
      for (const word of words) {
        sse.send({ ...head, object: 'chat.completion.chunk', choices: [{ index, delta: { content: word }, logprobs: null, finish_reason: null }] });
      }
      sse.send({ ...head, object: 'chat.completion.chunk', choices: [{ index, delta: {}, logprobs: null, finish_reason: finishReason }] });
    }
    if (req.stream_options?.include_usage) sse.send({ ...head, object: 'chat.completion.chunk', choices: [], usage: usage(promptTokens, count * n) });
    sse.done();
    return;
  }
  const choices = Array.from({ length: n }, (_, index) => ({
    index,
    message: { role: 'assistant', content: words.join(''), refusal: null },
    logprobs: null,
    finish_reason: finishReason,
  }));
  sendJson(ctx.res, 200, { ...head, object: 'chat.completion', choices, usage: usage(promptTokens, count * n) });
}
