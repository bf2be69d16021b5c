import { sha256 } from '../../domain/hash.js';
import { CACHE_FORMAT_VERSION } from '../../engines/builtin/cache.js';
import { BUILTIN_MODEL_REVISION } from '../../engines/builtin/model.js';
import { baseModelKey } from '../../engines/builtin/pretrain.js';
import { deriveSeed } from '../../util/rng.js';
import { promptMessages, type Prompt } from '../../domain/example.js';
import type { ModelEntry } from '../../domain/session.js';


/**
 * A builtin base's version: its pretraining cache key (name and recipe), the cache format and
 * the engine's model revision, so answers and training from an older version of the same base
 * name are not reused once its recipe, or the way models score and sample, changes.
 */
export function builtinBaseVersion(base: string): string {
  return sha256(JSON.stringify({ format: CACHE_FORMAT_VERSION, key: baseModelKey(base), model: BUILTIN_MODEL_REVISION })).slice(0, 16);
}

export type ModelIdentity =
  | { engine: 'builtin'; base: string; version: string }
  | { engine: 'openai'; model: string }
  | { engine: 'hf'; model: string; adapter?: string };

/** The released weights behind an entry, as answer keys name them (endpoints left out). */
export function modelIdentityOf(entry: ModelEntry): ModelIdentity {
  switch (entry.engine.engine) {
    case 'builtin':
      return { engine: 'builtin', base: entry.engine.base, version: builtinBaseVersion(entry.engine.base) };
    case 'openai':
      return { engine: 'openai', model: entry.engine.model };
    case 'hf':
      // The weights, not where or how they run (device, dtype, batch size).
      return { engine: 'hf', model: entry.engine.model, ...(entry.engine.adapter ? { adapter: entry.engine.adapter } : {}) };
  }
}

/**
 * What makes two answers comparable: the model that wrote them and every parameter that shapes
 * the text. Replicas, concurrency, pricing and the number of samples are left out, so editing
 * them keeps existing answers; a change here makes new keys instead of mixing answers. `model`
 * names other weights than the entry's released ones (a fine-tuned revision of it).
 */
export function paramsHashOf(entry: ModelEntry, model: object = modelIdentityOf(entry)): string {
  const { temperature, topP, maxTokens, stop } = entry.generation;
  return sha256(JSON.stringify({ model, temperature, topP, maxTokens, stop: stop ?? [] })).slice(0, 16);
}

/** What an answer is asked about: an example's id and the text sent for it. */
export interface Prompted extends Prompt {
  id: string;
}

/**
 * The stable id of one answer: source, example, sample index, parameters, and what the request
 * carries — the messages built from the instruction and context, and the seed. The example id
 * is only a line number, so an edited dataset or field mapping must make new keys rather than
 * reuse answers to other instructions.
 */
export function answerKey(source: string, example: Prompted, sample: number, paramsHash: string, seed: number): string {
  const messages = promptMessages(example);
  return sha256(JSON.stringify([source, example.id, sample, paramsHash, seed, messages])).slice(0, 24);
}

/** The per-request seed: fixed by the session seed and the answer's identity, never by timing. */
export function answerSeed(sessionSeed: number, source: string, exampleId: string, sample: number): number {
  // Servers take seeds as signed 32-bit or smaller; keep it positive and 31-bit.
  return deriveSeed(sessionSeed, `generate/${source}/${exampleId}/${sample}`) & 0x7fffffff;
}

/** The key an answer is written under in a session with `sessionSeed`. */
export function answerKeyIn(sessionSeed: number, source: string, example: Prompted, sample: number, paramsHash: string): string {
  return answerKey(source, example, sample, paramsHash, answerSeed(sessionSeed, source, example.id, sample));
}
