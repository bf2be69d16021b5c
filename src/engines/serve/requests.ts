import { z } from 'zod';
import { badRequest } from './errors.js';

/**
 * Request bodies of the OpenAI-compatible routes, validated with zod so a bad field becomes a
 * 400 that names it (`param`). Unknown fields are ignored, as OpenAI-compatible servers do.
 */

export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.map(String).join('.') || null;
  throw badRequest(`${param ? `\`${param}\`: ` : ''}${issue.message}`, param);
}

const stop = z
  .union([z.string(), z.array(z.string()).max(16)])
  .nullish()
  .transform((s) => (s == null ? [] : typeof s === 'string' ? [s] : s).filter((x) => x.length > 0));

const sampling = {
  model: z.string().min(1),
  /** Token id → a bias added to its logit, as OpenAI takes it (ids as strings, −100 to 100). */
  logit_bias: z.record(z.string().regex(/^\d+$/, 'token ids'), z.number().min(-100).max(100)).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  n: z.number().int().min(1).max(64).nullish(),
  seed: z.number().int().nullish(),
  stop,
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
};

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]).nullish(),
});

export const ChatCompletionRequest = z.object({
  ...sampling,
  messages: z.array(message).min(1),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

const tokenIds = z.array(z.number().int().min(0));

export const CompletionRequest = z.object({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds.min(1), z.array(tokenIds.min(1)).min(1)]),
  max_tokens: z.number().int().min(0).nullish(),
  /** vLLM's extension: false leaves BOS off a text prompt. */
  add_special_tokens: z.boolean().nullish(),
  echo: z.boolean().nullish(),
  logprobs: z.number().int().min(0).max(20).nullish(),
  /** vLLM's extension: per-prompt-token log-probs with this many alternatives. */
  prompt_logprobs: z.number().int().min(0).max(20).nullish(),
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const EmbeddingRequest = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), tokenIds.min(1), z.array(tokenIds.min(1)).min(1)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
});

// The model may go unnamed on the tokenizer routes, as on vLLM (which serves one): see modelOrOnly.
export const TokenizeRequest = z.union([
  z.object({
    model: z.string().min(1).nullish(),
    messages: z.array(message).min(1),
    add_generation_prompt: z.boolean().nullish(),
    return_token_strs: z.boolean().nullish(),
  }),
  z.object({ model: z.string().min(1).nullish(), prompt: z.string(), add_special_tokens: z.boolean().nullish(), return_token_strs: z.boolean().nullish() }),
]);

export const DetokenizeRequest = z.object({ model: z.string().min(1).nullish(), tokens: tokenIds });

export const FineTuningJobRequest = z.object({
  model: z.string().min(1),
  training_file: z.string().min(1),
  validation_file: z.string().nullish(),
  suffix: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'use up to 40 letters, digits, "_" or "-"').nullish(),
  seed: z.number().int().nullish(),
  hyperparameters: z
    .object({
      n_epochs: z.union([z.literal('auto'), z.number().int().min(1).max(50)]).nullish(),
      learning_rate_multiplier: z.union([z.literal('auto'), z.number().gt(0).max(1)]).nullish(),
      batch_size: z.union([z.literal('auto'), z.number().int().min(1).max(4096)]).nullish(),
    })
    .nullish(),
});
export type FineTuningJobRequest = z.infer<typeof FineTuningJobRequest>;

/** Message content as plain text (text parts joined), the only content the builtin models read. */
export function messageText(content: string | { text: string }[] | null | undefined): string {
  if (content == null) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

/** OpenAI's "developer" role is the newer name of "system". */
export function chatMessages(messages: z.infer<typeof message>[]): { role: 'system' | 'user' | 'assistant'; content: string }[] {
  return messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: messageText(m.content) }));
}

/**
 * Parameters a client may send that the builtin engine cannot honour, each with the value that
 * asks for nothing (accepted): any other value is a 400 naming the parameter, as vLLM answers
 * what it does not support, never a silent answer to a different request. (logit_bias and the
 * presence and frequency penalties are honoured: see SampleParams.)
 */
type Unsupported = Record<string, { ok: (value: unknown) => boolean; why: string }>;

const absent = (v: unknown) => v == null;
const plainText = (v: unknown) => v == null || (typeof v === 'object' && (v as { type?: unknown }).type === 'text');

const SHARED_UNSUPPORTED: Unsupported = {
  response_format: { ok: plainText, why: 'the builtin models cannot constrain their output to a format' },
};

export const COMPLETION_UNSUPPORTED: Unsupported = {
  ...SHARED_UNSUPPORTED,
  best_of: { ok: (v) => v == null || v === 1, why: 'each choice is one sample; ask for more with n' },
  suffix: { ok: absent, why: 'the builtin models only continue text, they do not fill it in' },
};

export const CHAT_UNSUPPORTED: Unsupported = {
  ...SHARED_UNSUPPORTED,
  tools: { ok: (v) => v == null || (Array.isArray(v) && v.length === 0), why: 'the builtin models cannot call tools' },
  functions: { ok: (v) => v == null || (Array.isArray(v) && v.length === 0), why: 'the builtin models cannot call functions' },
};

export const EMBEDDING_UNSUPPORTED: Unsupported = {
  dimensions: { ok: absent, why: 'the builtin embedder has one size of vector' },
};

export function refuseUnsupported(body: Record<string, unknown>, params: Unsupported): void {
  for (const [name, { ok, why }] of Object.entries(params)) {
    if (!ok(body[name])) throw badRequest(`\`${name}\` is not supported by baskets serve: ${why}; leave it out.`, name, 'unsupported_parameter');
  }
}

/** A request's logit bias and penalties as the sampler takes them. */
export function drawAdjustments(req: { logit_bias?: Record<string, number> | null; presence_penalty?: number | null; frequency_penalty?: number | null }) {
  return {
    ...(req.logit_bias && Object.keys(req.logit_bias).length ? { logitBias: new Map(Object.entries(req.logit_bias).map(([id, b]) => [Number(id), b])) } : {}),
    ...(req.presence_penalty ? { presencePenalty: req.presence_penalty } : {}),
    ...(req.frequency_penalty ? { frequencyPenalty: req.frequency_penalty } : {}),
  };
}
