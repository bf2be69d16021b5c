import { afterEach, describe, expect, it } from 'vitest';
import OpenAI, { APIConnectionError, InternalServerError, RateLimitError } from 'openai';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';

/**
 * Each injected fault, at rate 1 so it is certain, against instant mode (no model work): the
 * SDK sees what it would see from a failing real server, and the server keeps answering.
 */

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(faults?: string) {
  const server = await startServer({ port: 0, instant: true, faults });
  servers.push(server);
  // The SDK's own timeout: only the stall case needs a short one, and the test's timeout bounds the rest.
  return { server, client: new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 }) };
}

const ask = (client: OpenAI, stream = false) =>
  client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hello there' }], seed: 1, max_tokens: 8, stream } as never) as Promise<unknown>;

async function drain(stream: unknown): Promise<string> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<OpenAI.ChatCompletionChunk>) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

describe('fault injection', () => {
  it('5xx: the SDK gets a server error with an OpenAI error body', async () => {
    const { client } = await serve('5xx=1,seed=1');
    const err = await ask(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect([500, 502, 503]).toContain((err as InternalServerError).status);
    expect((err as InternalServerError).code).toBe('injected_fault');
  });

  it('429: rate limited with the configured Retry-After', async () => {
    const { client } = await serve('429=1,retry-after=3');
    const err = (await ask(client).catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.headers.get('retry-after')).toBe('3');
  });

  it('reset: a non-streamed answer breaks off, and a stream breaks after its first chunk', async () => {
    const { client } = await serve('reset=1');
    expect(await ask(client).catch((e: unknown) => e)).toBeInstanceOf(APIConnectionError);
    // Normally the first chunk arrives before the reset; on a starved CPU the reset may win the race.
    await expect(ask(client, true).then(drain)).rejects.toThrow();
  });

  it('malformed: a 200 whose body is not valid JSON, streamed or not', async () => {
    const { client } = await serve('malformed=1');
    await expect(ask(client)).rejects.toThrow(/JSON/i);
    await expect(drain(await ask(client, true))).rejects.toThrow(/JSON/i);
  });

  it('stall: the request hangs past the client timeout', async () => {
    // An hour-long stall: the call can only end by the client's timeout, never by the answer.
    const { server } = await serve('stall=1,stall-ms=3600000');
    const client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0, timeout: 300 });
    await expect(ask(client)).rejects.toThrow(/timed out/i);
  });

  it('is seeded: the same spec replays the same sequence of faults, and the server answers between them', async () => {
    const outcomes = async () => {
      const { client, server } = await serve('5xx=0.3,429=0.3,seed=11');
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await ask(client).then(
          () => 'ok',
          (e: { status?: number }) => String(e.status),
        );
        seen.push(r === '502' || r === '503' ? '500' : r);
      }
      await server.close();
      servers.splice(servers.indexOf(server), 1);
      return seen;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', '500', '429']));
  });
});

describe('instant mode', () => {
  it('answers deterministically, streamed or not, with usage in the last chunk', async () => {
    const { client } = await serve();
    const a = (await ask(client)) as OpenAI.ChatCompletion;
    const b = (await ask(client)) as OpenAI.ChatCompletion;
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    expect(a.choices[0].finish_reason).toBe('length');
    expect(a.usage?.completion_tokens).toBe(8);
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }], seed: 1, max_tokens: 8, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(a.choices[0].message.content);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(8);
  });
});
