import { randomUUID } from 'node:crypto';
import { badRequest } from '../errors.js';
import { SseWriter, sendJson } from '../http.js';
import { CHAT_UNSUPPORTED, ChatCompletionRequest, chatMessages, drawAdjustments, parseRequest, refuseUnsupported } from '../requests.js';
import type { PositionLogprobs } from '../served-model.js';
import { generateChoice, type ChoiceRequest } from '../generation.js';
import { checkContext, checkTokenIds, choiceSeed, leastTokens, openModel, requestSeed, type RouteContext } from '../context.js';
import { nowSeconds } from '../clock.js';

/** POST /v1/chat/completions, streaming (SSE) or not, with OpenAI's chat logprobs shape. */
export async function chatCompletions(ctx: RouteContext): Promise<void> {
  const req = parseRequest(ChatCompletionRequest, ctx.body);
  if (req.top_logprobs != null && req.top_logprobs > 0 && !req.logprobs) {
    throw badRequest('`top_logprobs` needs `logprobs: true`.', 'top_logprobs');
  }
  refuseUnsupported(ctx.body, CHAT_UNSUPPORTED);
  const model = await openModel(ctx.models, req.model);
  const adjust = drawAdjustments(req);
  if (adjust.logitBias) await checkTokenIds(model, adjust.logitBias.keys(), 'logit_bias');
  const messages = chatMessages(req.messages);
  checkContext(model, leastTokens(model, messages.map((m) => m.content).join('')), 1, 'messages');
  const prompt = await model.encodeChat(messages, true);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? model.info.contextLength - prompt.ids.length;
  checkContext(model, prompt.ids.length, Math.max(maxTokens, 1), 'messages');

  const seed = requestSeed(req.seed);
  const n = req.n ?? 1;
  const wantLogprobs = req.logprobs === true;
  const choiceRequest = (index: number): ChoiceRequest => ({
    maxTokens,
    stop: req.stop,
    temperature: req.temperature ?? 1,
    topP: req.top_p ?? 1,
    seed: choiceSeed(seed, index),
    ...adjust,
    topK: wantLogprobs ? (req.top_logprobs ?? 0) : 0,
  });
  const head = { id: `chatcmpl-${randomUUID()}`, created: nowSeconds(), model: model.info.id, system_fingerprint: null };

  if (req.stream) {
    const sse = new SseWriter(ctx.res, ctx.resetMidStream);
    let completionTokens = 0;
    for (let index = 0; index < n; index++) {
      sse.send({ ...head, object: 'chat.completion.chunk', choices: [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
      const result = await generateChoice(model, prompt.ids, choiceRequest(index), ctx.signal, (piece) => {
        sse.send({
          ...head,
          object: 'chat.completion.chunk',
          choices: [{ index, delta: { content: piece.text }, logprobs: wantLogprobs ? { content: piece.tokens.map(chatLogprob), refusal: null } : null, finish_reason: null }],
        });
      });
      completionTokens += result.tokens.length;
      sse.send({ ...head, object: 'chat.completion.chunk', choices: [{ index, delta: {}, logprobs: null, finish_reason: result.finishReason }] });
    }
    if (req.stream_options?.include_usage) {
      sse.send({ ...head, object: 'chat.completion.chunk', choices: [], usage: usage(prompt.ids.length, completionTokens) });
    }
    sse.done();
    return;
  }

  const choices = [];
  let completionTokens = 0;
  for (let index = 0; index < n; index++) {
    const result = await generateChoice(model, prompt.ids, choiceRequest(index), ctx.signal);
    completionTokens += result.tokens.length;
    choices.push({
      index,
      message: { role: 'assistant', content: result.text, refusal: null },
      logprobs: wantLogprobs ? { content: result.tokens.map(chatLogprob), refusal: null } : null,
      finish_reason: result.finishReason,
    });
  }
  sendJson(ctx.res, 200, { ...head, object: 'chat.completion', choices, usage: usage(prompt.ids.length, completionTokens) });
}

function chatLogprob(token: PositionLogprobs) {
  return {
    token: token.text,
    logprob: token.logprob,
    bytes: [...token.bytes],
    top_logprobs: token.top.map((alt) => ({ token: alt.text, logprob: alt.logprob, bytes: [...alt.bytes] })),
  };
}

export function usage(promptTokens: number, completionTokens: number) {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}
