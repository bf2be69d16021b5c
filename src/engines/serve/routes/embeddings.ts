import { badRequest } from '../errors.js';
import { sendJson } from '../http.js';
import { EMBEDDING_UNSUPPORTED, EmbeddingRequest, parseRequest, refuseUnsupported } from '../requests.js';
import { leastTokens, openModel, type RouteContext } from '../context.js';

/** POST /v1/embeddings; base64 is little-endian float32, as OpenAI encodes it. */
export async function embeddings(ctx: RouteContext): Promise<void> {
  const req = parseRequest(EmbeddingRequest, ctx.body);
  refuseUnsupported(ctx.body, EMBEDDING_UNSUPPORTED);
  const model = await openModel(ctx.models, req.model);
  if (!model.canEmbed) throw badRequest(`The model \`${model.info.id}\` does not support embeddings.`, 'model', 'model_not_supported');
  const inputs: (string | number[])[] =
    typeof req.input === 'string' ? [req.input] : typeof req.input[0] === 'number' ? [req.input as number[]] : (req.input as (string | number[])[]);
  const texts = await Promise.all(inputs.map((x) => (typeof x === 'string' ? x : model.decode(x))));
  let promptTokens = 0;
  for (const x of inputs) {
    const atLeast = typeof x === 'string' ? leastTokens(model, x) : x.length;
    if (atLeast > model.info.contextLength) {
      throw badRequest(`Input has at least ${atLeast} tokens, more than this model's ${model.info.contextLength}; shorten it.`, 'input', 'context_length_exceeded');
    }
    const count = typeof x === 'string' ? (await model.encodeText(x)).ids.length : x.length;
    if (count > model.info.contextLength) {
      throw badRequest(`Input has ${count} tokens, more than this model's ${model.info.contextLength}; shorten it.`, 'input', 'context_length_exceeded');
    }
    promptTokens += count;
  }
  const vectors = await model.embed(texts, ctx.signal);
  const base64 = req.encoding_format === 'base64';
  sendJson(ctx.res, 200, {
    object: 'list',
    model: model.info.id,
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: base64 ? float32Base64(vector) : Array.from(vector) })),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

function float32Base64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString('base64');
}
