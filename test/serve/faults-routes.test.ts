import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { APIConnectionError, InternalServerError, RateLimitError } from 'openai';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import { FaultInjector, parseFaults } from '../../src/engines/serve/faults.js';

/**
 * Injected faults on the routes that do real model work — completions, embeddings, and a
 * streamed builtin generation cut off mid-stream — not only on instant-mode chat
 * (faults-http.test.ts). Each server shares one cache dir, so the model pretrains once.
 */

const MODEL = 'founders-small';
const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-faults-cache-'));
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

async function serve(faults?: string, log?: (line: string) => void) {
  const server = await startServer({ port: 0, cacheDir, models: [MODEL], faults, log });
  servers.push(server);
  // The SDK's own timeout (minutes): pretraining and long generations take what the machine
  // needs; only the stall cases set a short one, and the test's timeout bounds the rest.
  return { server, client: new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 }) };
}

/** Pretraining is real work: seconds on a quiet machine, several times that on a busy one. */
const PRETRAIN_LIMIT_MS = 5 * 60_000;

beforeAll(async () => {
  // Pretrain once, up front, so no case below pays for it.
  const { client } = await serve();
  await client.embeddings.create({ model: MODEL, input: 'warm up', encoding_format: 'float' });
}, PRETRAIN_LIMIT_MS);

type Call = (client: OpenAI) => Promise<unknown>;
const routes: [string, Call][] = [
  ['/v1/completions', (c) => c.completions.create({ model: MODEL, prompt: 'The public debt', max_tokens: 8, seed: 1 })],
  ['/v1/embeddings', (c) => c.embeddings.create({ model: MODEL, input: 'the public credit', encoding_format: 'float' })],
];

describe.each(routes)('faults on %s', (_route, call) => {
  it('5xx: a server error with an OpenAI error body', async () => {
    const { client } = await serve('5xx=1,seed=2');
    const err = (await call(client).catch((e: unknown) => e)) as InternalServerError;
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err.code).toBe('injected_fault');
  });

  it('429: rate limited with the configured Retry-After', async () => {
    const { client } = await serve('429=1,retry-after=4');
    const err = (await call(client).catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.headers.get('retry-after')).toBe('4');
  });

  it('reset: the answer breaks off', async () => {
    const { client } = await serve('reset=1');
    expect(await call(client).catch((e: unknown) => e)).toBeInstanceOf(APIConnectionError);
  });

  it('malformed: a 200 whose body is not valid JSON', async () => {
    const { client } = await serve('malformed=1');
    await expect(call(client)).rejects.toThrow(/JSON/i);
  });

  it('stall: the request hangs past the client timeout', async () => {
    // An hour-long stall: the call can only end by the client's timeout, never by the answer.
    const { server } = await serve('stall=1,stall-ms=3600000');
    await expect(call(new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0, timeout: 300 }))).rejects.toThrow(/timed out/i);
  });
});

/** A spec whose first request is reset and whose second gets no fault: the seeded stream decides. */
function resetThenNothing(): string {
  for (let seed = 0; seed < 1000; seed++) {
    const spec = `reset=0.5,seed=${seed}`;
    const injector = new FaultInjector(parseFaults(spec));
    if (injector.next() === 'reset' && injector.next() === null) return spec;
  }
  throw new Error('no seed below 1000 gives reset then no fault');
}

describe('a streamed builtin generation reset mid-stream', () => {
  // Greedy decoding from this model never reaches the end-of-text token: it runs to max_tokens,
  // far longer than the reset takes to arrive.
  const long = { model: MODEL, messages: [{ role: 'user' as const, content: 'What should Congress do about the public debt?' }], temperature: 0, max_tokens: 6000, seed: 1 };

  it('breaks the stream, stops the generation, and the next request gets the whole answer', async () => {
    const whole = await (await serve()).client.chat.completions.create(long);
    expect(whole.usage?.completion_tokens).toBe(6000);

    const lines: string[] = [];
    const stopped = 'POST /v1/chat/completions: connection closed before the answer was complete; work stopped';
    let workStopped!: () => void;
    const logsStopped = new Promise<void>((resolve) => (workStopped = resolve));
    const { client } = await serve(resetThenNothing(), (line) => {
      lines.push(line);
      if (line === stopped) workStopped();
    });
    let streamed = '';
    const broken = async () => {
      const stream = await client.chat.completions.create({ ...long, stream: true });
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
    };
    await expect(broken()).rejects.toThrow();
    expect(whole.choices[0].message.content!.startsWith(streamed)).toBe(true);
    expect(streamed.length).toBeLessThan(whole.choices[0].message.content!.length);
    expect(lines).toContain('fault: reset');
    // The disconnect aborted the sampler: the route failed on a closed connection instead of finishing.
    await logsStopped;

    const again = await client.chat.completions.create(long);
    expect(again.choices[0].message.content).toBe(whole.choices[0].message.content);
  });

  it('on /v1/completions too', async () => {
    const raw = { model: MODEL, prompt: 'The public debt of the United States', temperature: 0, max_tokens: 6000, seed: 1 };
    const whole = await (await serve()).client.completions.create(raw);
    expect(whole.usage?.completion_tokens).toBe(6000);
    const { client } = await serve(resetThenNothing());
    let streamed = '';
    const broken = async () => {
      for await (const chunk of await client.completions.create({ ...raw, stream: true })) streamed += chunk.choices[0]?.text ?? '';
    };
    await expect(broken()).rejects.toThrow();
    expect(streamed.length).toBeLessThan(whole.choices[0].text.length);
    expect((await client.completions.create(raw)).choices[0].text).toBe(whole.choices[0].text);
  });
});
