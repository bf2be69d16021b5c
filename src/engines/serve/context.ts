import { randomInt } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { badRequest, contextTooLong, unknownModel } from './errors.js';
import type { ModelProvider, ServedModel } from './served-model.js';
import { deriveSeed } from '../../util/rng.js';

/** What a route handler gets: the parsed body, the response, and the server's shared state. */
export interface RouteContext {
  body: Record<string, unknown>;
  res: ServerResponse;
  /** Fires when the client disconnects, so model work stops. */
  signal: AbortSignal;
  models: ModelProvider;
  /** Injected fault: drop the connection after the first streamed chunk (or mid-body). */
  resetMidStream: boolean;
}

export async function openModel(models: ModelProvider, id: string): Promise<ServedModel> {
  const pending = models.open(id);
  if (!pending) throw unknownModel(id);
  return pending;
}

/**
 * The model a request names, or the server's only model where it names none: vLLM serves one
 * model, and clients of its tokenizer routes (lm-eval's remote tokenizer) send no name.
 */
export function modelOrOnly(models: ModelProvider, id: string | null | undefined): Promise<ServedModel> {
  if (id) return openModel(models, id);
  const served = models.list();
  if (served.length === 1) return openModel(models, served[0].id);
  throw badRequest(
    `\`model\` is missing and this server serves ${served.length} models: name one, or serve only the one a client that names none should use (\`baskets serve --models <id>\`)`,
    'model',
  );
}

/**
 * The fewest tokens a text can be, whatever its tokenization (no token spans more than
 * `maxTokenBytes`): a text too long even so is refused before the work of tokenizing it.
 */
export function leastTokens(model: ServedModel, text: string): number {
  return Math.ceil(Buffer.byteLength(text) / model.maxTokenBytes);
}

/** Refuse requests whose prompt plus completion budget does not fit the model. */
export function checkContext(model: ServedModel, promptTokens: number, maxTokens: number, param: string): void {
  if (promptTokens + maxTokens > model.info.contextLength) {
    throw contextTooLong(promptTokens + maxTokens, model.info.contextLength, param);
  }
}

/** The seed of choice i: the request's seed for the first choice, so n=1 and n>1 agree on it. */
export function choiceSeed(seed: number, index: number): number {
  return index === 0 ? seed >>> 0 : deriveSeed(seed >>> 0, `choice:${index}`);
}

export function requestSeed(seed: number | null | undefined): number {
  return seed ?? randomInt(0, 2 ** 32);
}


/** Token ids a request names (a logit bias) must be the model's: a 400 naming the parameter otherwise. */
export async function checkTokenIds(model: ServedModel, ids: Iterable<number>, param: string): Promise<void> {
  try {
    await model.decode([...ids]);
  } catch {
    throw badRequest(`\`${param}\` names token ids outside the vocabulary of \`${model.info.id}\`; see /tokenize for its ids.`, param);
  }
}
