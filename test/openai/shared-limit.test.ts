import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOpenAIModel } from '../../src/engines/openai/index.js';
import { ModelEntry } from '../../src/pipeline/session.js';
import { useTempDir } from '../helpers/tmp.js';
import { chatAnswer, chatStream, modelList, startFakeServer, type FakeServer } from './fake-server.js';

// Ollama and LM Studio serve several models from one process: two model entries on one base
// URL must share one concurrency limit, or together they send more than either allows.

const tempDir = useTempDir('baskets-shared-limit-');
let server: FakeServer;
let now = 0;
let peak = 0;
beforeEach(async () => {
  process.env.BASKETS_CACHE_DIR = tempDir();
  now = 0;
  peak = 0;
  server = await startFakeServer({
    'GET /v1/models': () => modelList(['llama3.2:latest', 'qwen2.5:7b'], 'library'),
    'POST /v1/chat/completions': async (body) => {
      if (!body.stream) return chatAnswer(body, 'OK', false);
      peak = Math.max(peak, ++now);
      await sleep(40);
      now--;
      return chatStream(body, ['OK']);
    },
  });
});
afterEach(async () => {
  await server.close();
  delete process.env.BASKETS_CACHE_DIR;
});

const entry = (id: string, model: string, concurrency: number, url = server.url) =>
  ModelEntry.parse({ id, family: id, size: 'small', roles: ['source'], engine: { engine: 'openai', baseUrls: [url], model, concurrency } });
const params = { temperature: 0, topP: 1, maxTokens: 4, seed: 1 };
const ask = (m: Awaited<ReturnType<typeof openOpenAIModel>>, n: number) => Array.from({ length: n }, () => m.generate([{ role: 'user', content: 'Hi' }], params));

describe('the concurrency limit of a server shared by several model entries', () => {
  it('holds the smallest configured limit across both entries, and every request still completes', async () => {
    const llama = await openOpenAIModel(entry('llama', 'llama3.2:latest', 3));
    const qwen = await openOpenAIModel(entry('qwen', 'qwen2.5:7b', 2, server.url + '/'));
    try {
      peak = 0;
      const answers = await Promise.all([...ask(llama, 8), ...ask(qwen, 8)]);
      expect(answers.every((a) => a.text === 'OK')).toBe(true);
      expect(peak).toBe(2);
    } finally {
      await llama.close();
      await qwen.close();
    }
  });

  it('counts in-flight requests per entry, not per server', async () => {
    const llama = await openOpenAIModel(entry('llama', 'llama3.2:latest', 4));
    const qwen = await openOpenAIModel(entry('qwen', 'qwen2.5:7b', 4));
    try {
      const pending = ask(llama, 3);
      await sleep(10);
      expect(llama.inFlight).toBe(3);
      expect(qwen.inFlight).toBe(0);
      await Promise.all(pending);
    } finally {
      await llama.close();
      await qwen.close();
    }
  });

  it('forgets the server once its entries close: a later study gets its own limit', async () => {
    const small = await openOpenAIModel(entry('small', 'llama3.2:latest', 1));
    await Promise.all(ask(small, 2));
    await small.close();
    const wide = await openOpenAIModel(entry('wide', 'llama3.2:latest', 5));
    try {
      peak = 0;
      await Promise.all(ask(wide, 10));
      expect(peak).toBe(5);
    } finally {
      await wide.close();
    }
  });
});
