import { createHash } from 'node:crypto';
import { deriveSeed } from '../../util/rng.js';
import type { ModelEntry } from '../session.js';

/** SHA-256 in hex: the one hash behind every key and fingerprint of a session. */
export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The released weights behind an entry, as answer keys name them (endpoints left out). */
export function modelIdentityOf(entry: ModelEntry): { engine: 'builtin'; base: string } | { engine: 'openai'; model: string } {
  return entry.engine.engine === 'builtin' ? { engine: 'builtin', base: entry.engine.base } : { engine: 'openai', model: entry.engine.model };
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

/** The stable id of one answer: source, example, sample index and parameters. */
export function answerKey(source: string, exampleId: string, sample: number, paramsHash: string): string {
  return sha256(JSON.stringify([source, exampleId, sample, paramsHash])).slice(0, 24);
}

/** The per-request seed: fixed by the session seed and the answer's identity, never by timing. */
export function answerSeed(sessionSeed: number, source: string, exampleId: string, sample: number): number {
  // Servers take seeds as signed 32-bit or smaller; keep it positive and 31-bit.
  return deriveSeed(sessionSeed, `generate/${source}/${exampleId}/${sample}`) & 0x7fffffff;
}
