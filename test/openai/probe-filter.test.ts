import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelsCommand } from '../../src/commands/models.js';
import { cannotGenerate, openOpenAIModel, probeServer } from '../../src/engines/openai/index.js';
import { ModelEntry } from '../../src/domain/session.js';
import { useTempDir } from '../helpers/tmp.js';
import { chatAnswer, chatStream, modelList, openAIError, startFakeServer, type FakeServer } from './fake-server.js';

// On OpenAI `/v1/models` lists about a hundred models and every probe request is paid: a
// probe asks only the models the user names, and the cache remembers what it skipped.

const tempDir = useTempDir('baskets-probe-filter-');
const LISTED = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small', 'whisper-1'];
let server: FakeServer;
beforeEach(async () => {
  process.env.BASKETS_CACHE_DIR = tempDir();
  server = await startFakeServer({
    'GET /v1/models': () => modelList(LISTED, 'system'),
    // As OpenAI answers: a model it does not have is a 404, as is a model that cannot chat.
    'POST /v1/chat/completions': (body) =>
      !LISTED.includes(String(body.model))
        ? openAIError(404, `The model \`${String(body.model)}\` does not exist or you do not have access to it.`)
        : body.model === 'whisper-1'
          ? openAIError(404, 'This is not a chat model')
          : body.stream
            ? chatStream(body, ['OK'])
            : chatAnswer(body, 'OK', true),
  });
});
afterEach(async () => {
  await server.close();
  delete process.env.BASKETS_CACHE_DIR;
});

/** The models that got any request other than the listing. */
const asked = () => new Set(server.requests.map((r) => r.body.model).filter((m): m is string => typeof m === 'string'));

describe('probing some models of a server', () => {
  it('asks only the named models, lists the rest as not probed, and serves them from the cache next time', async () => {
    const probe = await probeServer(server.url, { models: ['gpt-4o-mini'] });
    expect(probe.models.map((m) => m.model)).toEqual(['gpt-4o-mini']);
    expect(probe.unprobed).toEqual(['gpt-4o', 'text-embedding-3-small', 'whisper-1']);
    expect([...asked()]).toEqual(['gpt-4o-mini']);

    const sent = server.requests.length;
    const again = await probeServer(server.url, { models: ['gpt-4o-mini'] });
    expect(again.probedAt).toBe(probe.probedAt);
    expect(server.requests.length).toBe(sent);

    // A second model is probed alone and merged beside the first.
    const both = await probeServer(server.url, { models: ['gpt-4o'] });
    expect(both.models.map((m) => m.model)).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(server.requests.filter((r) => r.body.model === 'gpt-4o-mini').length).toBe(server.requests.slice(0, sent).filter((r) => r.body.model === 'gpt-4o-mini').length);
  });

  it('two probes of one server at once (a session opening two of its models) both end up in the cache', async () => {
    await Promise.all([probeServer(server.url, { models: ['gpt-4o-mini'] }), probeServer(server.url, { models: ['gpt-4o'] })]);
    const sent = server.requests.length;
    const both = await probeServer(server.url, { models: ['gpt-4o', 'gpt-4o-mini'] });
    expect(both.models.map((m) => m.model)).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(server.requests.length).toBe(sent); // from the cache: neither probe's result was lost
  });

  it('`baskets models --models` prints the named model, what was skipped, and refuses a model the server neither lists nor answers for', async () => {
    const lines: string[] = [];
    expect(await modelsCommand(server.url, { models: ['gpt-4o-mini'], out: (l) => lines.push(l) })).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/^gpt-4o-mini\s+yes\s+yes\s+yes\s+no/m);
    expect(text).toContain('not probed (3): gpt-4o, text-embedding-3-small, whisper-1');
    expect(text).toContain(`probe one with: baskets models ${server.url} --models gpt-4o`);
    await expect(modelsCommand(server.url, { models: ['gpt-5-nonexistent'], out: () => {} })).rejects.toThrow(
      `${server.url} does not serve "gpt-5-nonexistent": it serves gpt-4o-mini, gpt-4o, text-embedding-3-small, whisper-1`,
    );
  });

  it('a whole-server probe after a partial one probes everything', async () => {
    await probeServer(server.url, { models: ['gpt-4o-mini'] });
    const all = await probeServer(server.url);
    expect(all.models.map((m) => m.model)).toEqual(['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'whisper-1']);
    expect(all.unprobed).toBeUndefined();
  });

  it('opening a model probes that model alone; a source that cannot chat is told how to probe it again', async () => {
    const entry = ModelEntry.parse({ id: 'w', family: 'openai', size: 'large', roles: ['source'], engine: { engine: 'openai', baseUrls: [server.url], model: 'whisper-1', concurrency: 2 } });
    const model = await openOpenAIModel(entry);
    try {
      expect([...asked()]).toEqual(['whisper-1']);
      expect(model.capabilities.has('generate')).toBe(false);
    } finally {
      await model.close();
    }
    expect(cannotGenerate(entry)).toBe(
      `model "w" cannot generate: its probe found no working chat for "whisper-1" at ${server.url} — fix the server or engine.model, then probe again: baskets models ${server.url} --models whisper-1 --refresh`,
    );
    // The command it names works, and asks the server again.
    const before = server.requests.length;
    expect(await modelsCommand(server.url, { models: ['whisper-1'], refresh: true, out: () => {} })).toBe(0);
    expect(server.requests.length).toBeGreaterThan(before);
  });
});
