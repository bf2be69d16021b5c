import { createHash } from 'node:crypto';
import { deriveSeed } from '../../util/rng.js';
import type { ModelEntry } from '../session.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * What makes two answers comparable: the model that wrote them and every parameter that shapes
 * the text. Replicas, concurrency, pricing and the number of samples are left out, so editing
 * them keeps existing answers; a change here makes new keys instead of mixing answers.
 */
export function paramsHashOf(entry: ModelEntry): string {
  const { temperature, topP, maxTokens, stop } = entry.generation;
  const model = entry.engine.engine === 'builtin' ? { engine: 'builtin', base: entry.engine.base } : { engine: 'openai', model: entry.engine.model };
  return sha(JSON.stringify({ model, temperature, topP, maxTokens, stop: stop ?? [] })).slice(0, 16);
}

/** The stable id of one answer: source, example, sample index and parameters. */
export function answerKey(source: string, exampleId: string, sample: number, paramsHash: string): string {
  return sha(JSON.stringify([source, exampleId, sample, paramsHash])).slice(0, 24);
}

/** The per-request seed: fixed by the session seed and the answer's identity, never by timing. */
export function answerSeed(sessionSeed: number, source: string, exampleId: string, sample: number): number {
  // Servers take seeds as signed 32-bit or smaller; keep it positive and 31-bit.
  return deriveSeed(sessionSeed, `generate/${source}/${exampleId}/${sample}`) & 0x7fffffff;
}
