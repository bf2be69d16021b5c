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

export const TokenizeRequest = z.union([
  z.object({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    add_generation_prompt: z.boolean().nullish(),
    return_token_strs: z.boolean().nullish(),
  }),
  z.object({ model: z.string().min(1), prompt: z.string(), add_special_tokens: z.boolean().nullish(), return_token_strs: z.boolean().nullish() }),
]);

export const DetokenizeRequest = z.object({ model: z.string().min(1), tokens: tokenIds });

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
