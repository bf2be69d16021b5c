import { getEventListeners } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases, openBuiltinModel } from '../../src/engines/builtin/index.js';
import { openOpenAIModel, probeCacheFile } from '../../src/engines/openai/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import { ModelEntry } from '../../src/domain/session.js';
import { modelsCommand } from '../../src/commands/models.js';
import { deadPort } from '../generate/fixture.js';

const base = listBuiltinBases()[0].id;
let server: Awaited<ReturnType<typeof startServer>>;
let model: Awaited<ReturnType<typeof openOpenAIModel>>;

const entry = (url: string) =>
  ModelEntry.parse({ id: 'm', family: 'f', size: 'small', roles: ['source', 'judge'], engine: { engine: 'openai', baseUrls: [url], model: base, concurrency: 4 } });

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, models: [base] });
  model = await openOpenAIModel(entry(server.url), { refreshProbe: true });
});
afterAll(async () => {
  await model.close();
  await server.close();
});

const question = [{ role: 'user' as const, content: 'What is a basket?' }];

describe('the openai LanguageModel against baskets serve', () => {
  it('probes what the server can do', () => {
    expect([...model.capabilities].sort()).toEqual(['embed', 'generate', 'judge', 'rate', 'score', 'tokenize']);
    expect(model.contextLength).toBeGreaterThan(0);
  });

  it('streams a seeded generation with usage and reproduces it', async () => {
    const deltas: string[] = [];
    const params = { temperature: 0.9, topP: 0.95, maxTokens: 12, seed: 5 };
    const a = await model.generate(question, params, { onDelta: (d) => deltas.push(d.text) });
    const b = await model.generate(question, params);
    expect(a.text).toBe(deltas.join(''));
    expect(a).toEqual(b);
    expect(a.promptTokens).toBeGreaterThan(0);
    expect(a.completionTokens).toBeGreaterThan(0);
    expect(a.completionTokens).toBeLessThanOrEqual(12);
    const short = await model.generate(question, { ...params, maxTokens: 1 });
    expect(short.finishReason).toBe('length');
  });

  it('scores a continuation with the same log-probs the builtin engine computes in-process', async () => {
    const local = await openBuiltinModel(base);
    const text = 'A basket is a container woven from strips of wood.';
    const remote = await model.score(question, text);
    const direct = await local.score(question, text);
    expect(remote.tokens).toEqual(direct.tokens);
    expect(remote.logprobs.length).toBe(direct.logprobs.length);
    remote.logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(direct.logprobs[i], 6));
  });

  it('embeds as floats, tokenizes, judges from first-token log-probs and rates', async () => {
    const [v1, v2] = await model.embed(['one basket', 'many baskets']);
    expect(v1).toBeInstanceOf(Float32Array);
    expect(v1.length).toBe(v2.length);
    expect(v1.some((x) => x !== 0)).toBe(true);
    const tok = await model.tokenize('many eggs');
    expect(tok.ids.length).toBe(tok.tokens.length);
    const j = await model.judgePair('What is a basket?', 'A container.', 'A basket is a woven container for carrying things.');
    expect(j.method).toBe('logprobs');
    expect(j.pA! + j.pB!).toBeCloseTo(1, 9);
    const r = await model.rate('What is a basket?', 'A container.');
    expect(typeof r.raw.quality).toBe('string');
    expect(typeof r.raw.harm).toBe('string');
    for (const v of [r.quality, r.harm]) expect(v === null || (v >= 1 && v <= 5)).toBe(true);
  });
});

describe("a step's signal under many requests", () => {
  it('holds no listener of a request once it is done, however many went through it', async () => {
    // The SDK given the signal itself adds a listener per request and never removes it; on a
    // step's signal, tens of thousands of judgements made each new one slower to add.
    const step = new AbortController();
    const signal = step.signal;
    const listeners = () => getEventListeners(signal, 'abort').length;
    const waiting = Array.from({ length: 24 }, (_, i) => [
      model.judgePair('What is a basket?', `A container ${i}.`, 'A woven container.', { signal }),
      model.rate('What is a basket?', `A container ${i}.`, { signal }),
      model.score(question, `A basket ${i}.`, { signal }),
      model.embed([`basket ${i}`], { signal }),
      model.generate(question, { temperature: 0.9, topP: 0.95, maxTokens: 4, seed: i }, { signal }),
    ]).flat();
    expect(listeners()).toBeGreaterThan(0); // followed while in flight: a cancel reaches them
    await Promise.all(waiting);
    expect(listeners()).toBe(0);
  });
});

describe('baskets models', () => {
  it('prints the probe table, caches it per server without keys, and refreshes on request', async () => {
    process.env.BASKETS_TEST_MODELS_KEY = 'canary-models-key-5150';
    const lines: string[] = [];
    expect(await modelsCommand(server.url, { refresh: true, apiKeyEnv: 'BASKETS_TEST_MODELS_KEY', out: (l) => lines.push(l) })).toBe(0);
    const table = lines.join('\n');
    expect(table).toMatch(/model\s+chat\s+stream\s+chat logprobs\s+score\s+embed\s+context/);
    expect(table).toMatch(new RegExp(`${base}\\s+yes\\s+yes\\s+yes\\s+echo\\s+yes\\s+\\d+`));
    const file = probeCacheFile(server.url);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toContain('canary-models-key-5150');
    expect(table).not.toContain('canary-models-key-5150');

    const cached: string[] = [];
    await modelsCommand(server.url, { json: true, out: (l) => cached.push(l) });
    const json = JSON.parse(cached.join('\n'));
    expect(json.cached).toBe(true);
    expect(json.models[0]).toMatchObject({ model: base, chat: true, scoring: 'echo', embeddings: true });
    delete process.env.BASKETS_TEST_MODELS_KEY;
  });

  it('says plainly when the server is down', async () => {
    const port = await deadPort();
    await expect(modelsCommand(`http://127.0.0.1:${port}/v1`, { refresh: true, out: () => {} })).rejects.toThrow(`nothing is listening at http://127.0.0.1:${port}/v1`);
  });
});
