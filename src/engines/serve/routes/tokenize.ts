import { sendJson } from '../http.js';
import { DetokenizeRequest, TokenizeRequest, chatMessages, parseRequest } from '../requests.js';
import { openModel, type RouteContext } from '../context.js';

/** POST /tokenize in vLLM's shape: `{count, max_model_len, tokens, token_strs?}`. */
export async function tokenize(ctx: RouteContext): Promise<void> {
  const req = parseRequest(TokenizeRequest, ctx.body);
  const model = await openModel(ctx.models, req.model);
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
  const model = await openModel(ctx.models, req.model);
  sendJson(ctx.res, 200, { prompt: await model.decode(req.tokens) });
}
