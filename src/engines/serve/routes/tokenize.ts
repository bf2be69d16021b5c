import { sendJson } from '../http.js';
import { DetokenizeRequest, TokenizeRequest, chatMessages, parseRequest } from '../requests.js';
import { modelOrOnly, type RouteContext } from '../context.js';

/** POST /tokenize in vLLM's shape: `{count, max_model_len, tokens, token_strs?}`. */
export async function tokenize(ctx: RouteContext): Promise<void> {
  const req = parseRequest(TokenizeRequest, ctx.body);
  const model = await modelOrOnly(ctx.models, req.model);
  const encoded =
    'messages' in req
      ? await model.encodeChat(chatMessages(req.messages), req.add_generation_prompt ?? true)
      : await model.encodeText(req.prompt, req.add_special_tokens ?? true);
  sendJson(ctx.res, 200, {
    count: encoded.ids.length,
    max_model_len: model.info.contextLength,
    tokens: encoded.ids,
    ...(req.return_token_strs && { token_strs: encoded.tokens }),
  });
}

/** POST /detokenize: `{prompt}` from token ids. */
export async function detokenize(ctx: RouteContext): Promise<void> {
  const req = parseRequest(DetokenizeRequest, ctx.body);
  const model = await modelOrOnly(ctx.models, req.model);
  sendJson(ctx.res, 200, { prompt: await model.decode(req.tokens) });
}

/**
 * GET /tokenizer_info in vLLM's shape: what a client needs to tokenize through the server
 * (lm-eval's remote tokenizer reads the special tokens and the chat template here).
 */
export async function tokenizerInfo(ctx: RouteContext, id: string | null): Promise<void> {
  const model = await modelOrOnly(ctx.models, id);
  sendJson(ctx.res, 200, {
    tokenizer_class: 'BasketsBpeTokenizer',
    bos_token: model.tokenizer.bosToken,
    eos_token: model.tokenizer.eosToken,
    pad_token: null,
    unk_token: null,
    chat_template: model.tokenizer.chatTemplate,
    model_max_length: model.info.contextLength,
    add_bos_token: true,
  });
}
