import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import OpenAI, { APIError } from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestFetch } from '../../src/engines/openai/request-fetch.js';

/**
 * An endpoint's SDK client sends through undici's request API instead of fetch: whatever the
 * SDK reads of a response (status, headers, body, streamed or whole) must be what fetch gives,
 * and what it cannot do fast (other bodies, redirects) must still be done, by fetch.
 */

let server: Server;
let base: string;
/** The stream a test holds open, to be ended when it is done. */
let held: ServerResponse | undefined;
const agent = new Agent({ connections: 4 });
const viaRequest = requestFetch(agent, { compressed: false });
const compressed = requestFetch(agent, { compressed: true });
const viaFetch = ((input: string, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const got = await body(req);
    const url = new URL(req.url!, 'http://x');
    switch (url.pathname) {
      case '/echo':
        res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-request-id': 'req-7' });
        res.end(JSON.stringify({ method: req.method, query: url.search, type: req.headers['content-type'] ?? null, body: got.toString('base64') }));
        return;
      case '/gzip': {
        // Compressed only for a client that asks, as servers do.
        const text = JSON.stringify({ error: { message: 'compressed '.repeat(50) } });
        const asked = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
        res.writeHead(url.search === '?fail' ? 400 : 200, { 'content-type': 'application/json', 'x-sent': asked ? 'gzip' : 'plain', ...(asked ? { 'content-encoding': 'gzip' } : {}) });
        res.end(asked ? gzipSync(text) : text);
        return;
      }
      case '/moved':
        res.writeHead(307, { location: '/echo?from=moved' });
        res.end('see /echo');
        return;
      case '/empty':
        res.writeHead(204);
        res.end();
        return;
      case '/error/chat/completions':
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'max_tokens is too large', type: 'invalid_request_error' } }));
        return;
      case '/v1/chat/completions': {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const word of ['Woven', ' willow', '.']) res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: word }, finish_reason: null }] })}\n\n`);
        if (url.search === '?hold') {
          held = res;
          return;
        }
        res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      case '/never':
        held = res; // no headers, ever
        return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  held?.destroy();
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** What a caller can read of a response. */
async function seen(res: Response) {
  return { status: res.status, ok: res.ok, headers: [...res.headers].filter(([name]) => name !== 'date' && name !== 'keep-alive'), body: res.body === null ? null : await res.text() };
}

describe('requestFetch', () => {
  it('answers as fetch does: status, every header (repeated ones too), the body, the query', async () => {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' };
    const fast = await viaRequest(`${base}/echo?x=1&y=%20`, init);
    expect(await seen(fast)).toEqual(await seen(await viaFetch(`${base}/echo?x=1&y=%20`, init)));
    expect(fast.headers.get('set-cookie')).toBe('a=1, b=2');
    const json = (await (await viaRequest(`${base}/echo?q`, init)).json()) as { method: string; query: string; body: string };
    expect(json).toMatchObject({ method: 'POST', query: '?q', body: Buffer.from('{"a":1}').toString('base64') });
  });

  it('asks for a compressed answer when told to (a hosted API) and decodes it, an error one too', async () => {
    expect((await viaRequest(`${base}/gzip`)).headers.get('x-sent')).toBe('plain');
    for (const path of ['/gzip', '/gzip?fail']) {
      const fast = await compressed(`${base}${path}`);
      expect(fast.headers.get('x-sent')).toBe('gzip');
      expect(await fast.json()).toEqual(await (await viaFetch(`${base}${path}`)).json());
    }
  });

  it('gives a bodiless status a null body, as fetch does', async () => {
    const res = await viaRequest(`${base}/empty`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it('follows a redirect, and sends a body that is not a string, through fetch', async () => {
    expect(await seen(await viaRequest(`${base}/moved`, { method: 'POST', body: 'x' }))).toEqual(await seen(await viaFetch(`${base}/moved`, { method: 'POST', body: 'x' })));
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const echoed = (await (await viaRequest(`${base}/echo`, { method: 'PUT', body: bytes })).json()) as { body: string; query: string };
    expect(Buffer.from(echoed.body, 'base64')).toEqual(Buffer.from(bytes));
  });

  it("rejects with the abort's reason before the headers, and ends the body with it after them", async () => {
    const early = new AbortController();
    const waiting = viaRequest(`${base}/never`, { signal: early.signal });
    const reason = new Error('stalled');
    early.abort(reason);
    await expect(waiting).rejects.toBe(reason);

    const late = new AbortController();
    const res = await viaRequest(`${base}/v1/chat/completions?hold`, { method: 'POST', body: '{}', signal: late.signal });
    const chunks = (res.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    await chunks.next();
    late.abort(reason);
    await expect(chunks.next()).rejects.toBe(reason);
  });

  it('serves the SDK: a streamed answer, a JSON error as an APIError with its status and message', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'none', maxRetries: 0, fetch: viaRequest });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'A basket?' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Woven willow.');
    const failing = new OpenAI({ baseURL: `${base}/error`, apiKey: 'none', maxRetries: 0, fetch: viaRequest });
    const err = await failing.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).message).toMatch(/max_tokens is too large/);
  });
});
