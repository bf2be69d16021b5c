import { describe, expect, it } from 'vitest';
import { answerKey, answerSeed, paramsHashOf } from '../../src/pipeline/generation/keys.js';
import { ModelEntry } from '../../src/pipeline/session.js';

const entry = (over: Record<string, unknown> = {}, engine: Record<string, unknown> = {}) =>
  ModelEntry.parse({
    id: 'src',
    family: 'f',
    size: 'small',
    roles: ['source'],
    engine: { engine: 'openai', baseUrls: ['http://127.0.0.1:1/v1'], model: 'm', ...engine },
    generation: over,
  });

describe('answer keys', () => {
  it('change with any parameter that shapes the text, and with the model', () => {
    const base = paramsHashOf(entry());
    expect(paramsHashOf(entry({ temperature: 0.1 }))).not.toBe(base);
    expect(paramsHashOf(entry({ topP: 0.5 }))).not.toBe(base);
    expect(paramsHashOf(entry({ maxTokens: 17 }))).not.toBe(base);
    expect(paramsHashOf(entry({ stop: ['\n'] }))).not.toBe(base);
    expect(paramsHashOf(entry({}, { model: 'other' }))).not.toBe(base);
  });

  it('stay put when only replicas, concurrency, pricing or the sample count change', () => {
    const base = paramsHashOf(entry());
    expect(paramsHashOf(entry({ samples: 3 }, { baseUrls: ['http://a/v1', 'http://b/v1'], concurrency: 99, pricing: { prompt: 1, completion: 2 } }))).toBe(base);
  });

  it('separate source, example and sample; seeds are stable and 31-bit', () => {
    const h = paramsHashOf(entry());
    const keys = new Set([answerKey('a', '1', 0, h), answerKey('b', '1', 0, h), answerKey('a', '2', 0, h), answerKey('a', '1', 1, h), answerKey('a', '1', 0, 'x')]);
    expect(keys.size).toBe(5);
    expect(answerSeed(7, 'a', '1', 0)).toBe(answerSeed(7, 'a', '1', 0));
    expect(answerSeed(7, 'a', '1', 0)).not.toBe(answerSeed(8, 'a', '1', 0));
    expect(answerSeed(7, 'a', '1', 0)).toBeLessThan(2 ** 31);
  });
});
