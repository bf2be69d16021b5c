import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../src/engines/builtin/families.js';
import { answerKey, answerKeyIn, answerSeed, builtinBaseVersion, modelIdentityOf, paramsHashOf } from '../../src/pipeline/generation/answer-keys.js';
import { ModelEntry } from '../../src/domain/session.js';

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
    const ex = (id: string) => ({ id, instruction: 'Name a bird.', context: '' });
    const keys = new Set([answerKey('a', ex('1'), 0, h, 5), answerKey('b', ex('1'), 0, h, 5), answerKey('a', ex('2'), 0, h, 5), answerKey('a', ex('1'), 1, h, 5), answerKey('a', ex('1'), 0, 'x', 5)]);
    expect(keys.size).toBe(5);
    expect(answerSeed(7, 'a', '1', 0)).toBe(answerSeed(7, 'a', '1', 0));
    expect(answerSeed(7, 'a', '1', 0)).not.toBe(answerSeed(8, 'a', '1', 0));
    expect(answerSeed(7, 'a', '1', 0)).toBeLessThan(2 ** 31);
  });
});

describe('answer keys follow what the request carries', () => {
  const example = { id: '7', instruction: 'Summarise the passage.', context: 'The river rose in March.' };
  const h = paramsHashOf(entry());
  const key = (over: Partial<typeof example> = {}, seed = 42) => answerKeyIn(seed, 'src', { ...example, ...over }, 0, h);

  it('change when the instruction, the context or the session seed (sent as the request seed) changes', () => {
    // The example id is a line number: an edited dataset or field mapping keeps it and changes the text.
    expect(key({ instruction: 'Translate the passage.' })).not.toBe(key());
    expect(key({ context: 'The river fell in March.' })).not.toBe(key());
    expect(key({ context: '' })).not.toBe(key());
    expect(key({}, 43)).not.toBe(key());
  });

  it('stay put for the same text under the same seed, and ignore fields that are not sent', () => {
    expect(key()).toBe(key());
    expect(answerKeyIn(42, 'src', { ...example, response: 'human answer', category: 'x' } as typeof example, 0, h)).toBe(key());
  });
});

describe('builtin model identity', () => {
  const builtin = (base: string) =>
    ModelEntry.parse({ id: 'b', family: 'f', size: 'small', roles: ['source'], engine: { engine: 'builtin', base } });
  const base = `${FAMILIES[0].family}-small`;

  it('carries the base version, which changes with its pretraining recipe and only then', () => {
    const before = modelIdentityOf(builtin(base));
    expect(before).toMatchObject({ engine: 'builtin', base, version: builtinBaseVersion(base) });
    const hash = paramsHashOf(builtin(base));
    const spec = FAMILIES[0].sizes.small;
    const chars = spec.chars;
    try {
      spec.chars = chars + 1000; // a newer release of the same base name pretrains on more text
      expect(modelIdentityOf(builtin(base))).not.toEqual(before);
      expect(paramsHashOf(builtin(base))).not.toBe(hash);
    } finally {
      spec.chars = chars;
    }
    expect(paramsHashOf(builtin(base))).toBe(hash);
    expect(builtinBaseVersion(`${FAMILIES[0].family}-medium`)).not.toBe(builtinBaseVersion(base));
  });
});
