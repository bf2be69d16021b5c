import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOpenAIModel } from '../../src/engines/openai/index.js';
import { ModelEntry } from '../../src/domain/session.js';
import { useTempDir } from '../helpers/tmp.js';
import { chatAnswer, chatStream, modelList, startFakeServer, type FakeServer } from './fake-server.js';

// Ollama and LM Studio serve several models from one process: two model entries on one base
// URL must share one concurrency limit, or together they send more than either allows.

/**
 * Where the fake server holds streamed requests: shut until `size` are in the server at once
 * (`full` resolves then), so a limit of `size` is reached by construction, however the machine
 * schedules, and not by luck of timing. It opens by itself when full unless told to wait for
 * `open()`, and stays open.
 */
function gateAt(size: number, { opensWhenFull = true } = {}) {
  let fill!: () => void;
  let release!: () => void;
  const full = new Promise<void>((resolve) => (fill = resolve));
  const opened = new Promise<void>((resolve) => (release = resolve));
  return {
    full,
    opened,
    open: () => release(),
    /** Called with the number of requests in the server, each time one arrives. */
    arrived(inServer: number) {
      if (inServer < size) return;
      fill();
      if (opensWhenFull) release();
    },
  };
}

const tempDir = useTempDir('baskets-shared-limit-');
let server: FakeServer;
/** Streamed requests the server is answering now, and the most it ever answered at once. */
let now = 0;
let peak = 0;
let gate: ReturnType<typeof gateAt>;
beforeEach(async () => {
  process.env.BASKETS_CACHE_DIR = tempDir();
  now = 0;
  peak = 0;
  gate = gateAt(1);
  server = await startFakeServer({
    'GET /v1/models': () => modelList(['llama3.2:latest', 'qwen2.5:7b'], 'library'),
    'POST /v1/chat/completions': async (body) => {
      if (!body.stream) return chatAnswer(body, 'OK', false);
      peak = Math.max(peak, ++now);
      gate.arrived(now);
      // An answer also takes a while, as a model's does: requests that a broken limit lets
      // through overlap the ones in progress and show in `peak`.
      await Promise.all([gate.opened, sleep(40)]);
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
      gate = gateAt(2);
      const answers = await Promise.all([...ask(llama, 8), ...ask(qwen, 8)]);
      expect(answers.every((a) => a.text === 'OK')).toBe(true);
      // Reached (the gate held the first requests until two were in), and never exceeded.
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
      gate = gateAt(3, { opensWhenFull: false });
      const pending = ask(llama, 3);
      // All three are in the server and held there: none can have finished.
      await gate.full;
      expect(llama.inFlight).toBe(3);
      expect(qwen.inFlight).toBe(0);
      gate.open();
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
      gate = gateAt(5);
      await Promise.all(ask(wide, 10));
      expect(peak).toBe(5);
    } finally {
      await wide.close();
    }
  });
});
