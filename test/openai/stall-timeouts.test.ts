import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { openOpenAIModel } from '../../src/engines/openai/index.js';
import { streamChat } from '../../src/engines/openai/chat.js';
import { Endpoint } from '../../src/engines/openai/endpoint.js';
import { EndpointPool } from '../../src/engines/openai/pool.js';
import { parseFaults, startServer } from '../../src/engines/serve/index.js';
import { Session, type ModelEntry } from '../../src/domain/session.js';
import { openaiSource } from '../generate/fixture.js';

/**
 * A stalled request is cut by the stall limits (first token, between tokens), not by the whole
 * attempt's timeoutS, and is retried until its answer arrives. The limits are small and the
 * stalls are long, so a test that passes shows the stall was not waited out.
 */

const base = listBuiltinBases()[0].id;
const question = [{ role: 'user' as const, content: 'What is a basket?' }];
const params = { temperature: 0.9, topP: 0.95, maxTokens: 12, seed: 5 };

function entry(url: string, engine: Record<string, unknown>): ModelEntry {
  const session = Session.parse({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'file', path: 'x.jsonl' } }, models: [openaiSource('m', url, base, engine)] });
  return session.models[0];
}

describe('a request that stalls before its first token (baskets serve --faults)', () => {
  const faults = parseFaults('seed=3');
  const stalls: string[] = [];
  let onStall: (() => void) | undefined;
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    // The one stalled request switches stalls off again: its retry is answered.
    const log = (line: string) => {
      if (line !== 'fault: stall') return;
      stalls.push(line);
      faults.rates.stall = 0;
      onStall?.();
    };
    server = await startServer({ host: '127.0.0.1', port: 0, models: [base], faults, log });
  });
  afterAll(() => server.close());

  it('is abandoned after firstTokenTimeoutS and retried, and its answer arrives', { timeout: 60_000 }, async () => {
    // A generous total: only the first-token limit can cut the 10-minute stall.
    const model = await openOpenAIModel(entry(server.url, { maxRetries: 3, timeoutS: 3_600, firstTokenTimeoutS: 0.3 }), { refreshProbe: true });
    try {
      const expected = await model.generate(question, params);
      faults.stallMs = 600_000;
      faults.rates.stall = 1;
      const got = await model.generate(question, params);
      expect(stalls).toEqual(['fault: stall']);
      expect(got).toEqual(expected);
    } finally {
      faults.rates.stall = 0;
      await model.close();
    }
  });

  it("stops a streamed request waiting for its first token at once on the caller's cancel", { timeout: 60_000 }, async () => {
    const model = await openOpenAIModel(entry(server.url, { maxRetries: 3, timeoutS: 3_600, firstTokenTimeoutS: 3_600 }));
    const cancel = new AbortController();
    const reason = new Error('cancelled by the user');
    try {
      stalls.length = 0;
      faults.stallMs = 600_000;
      faults.rates.stall = 1;
      // Only the cancel can end an hour's stall under an hour's limits; it comes once the server holds the request.
      const held = new Promise<void>((resolve) => (onStall = resolve));
      const waiting = model.generate(question, params, { signal: cancel.signal });
      await held;
      cancel.abort(reason);
      await expect(waiting).rejects.toBe(reason);
    } finally {
      faults.rates.stall = 0;
      onStall = undefined;
      await model.close();
    }
  });

  it('cuts a stalled judgement by the same limit (a short reply is due when a first token would be) and retries it', { timeout: 60_000 }, async () => {
    const model = await openOpenAIModel(entry(server.url, { maxRetries: 3, timeoutS: 3_600, firstTokenTimeoutS: 0.3 }));
    try {
      const expected = await model.rate('What is a basket?', 'A woven container.');
      stalls.length = 0;
      faults.stallMs = 600_000;
      faults.rates.stall = 1;
      const got = await model.rate('What is a basket?', 'A woven container.');
      expect(stalls).toEqual(['fault: stall']);
      expect(got).toEqual(expected);
    } finally {
      faults.rates.stall = 0;
      await model.close();
    }
  });

  it('rejects a stall limit that is not a positive number of seconds, naming the key', () => {
    const issues = (engine: Record<string, unknown>) => Session.safeParse({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'file', path: 'x.jsonl' } }, models: [openaiSource('m', 'http://127.0.0.1:1/v1', 'x', engine)] }).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ firstTokenTimeoutS: 0 })).toEqual(['models.0.engine.firstTokenTimeoutS']);
    expect(issues({ idleTimeoutS: '5' })).toEqual(['models.0.engine.idleTimeoutS']);
    expect(issues({ firstTokenTimeoutS: 90, idleTimeoutS: 2.5 })).toBeUndefined();
  });
});

/**
 * A loopback server that streams: its first chat request sends one chunk and then nothing
 * (held open until the test ends), every later one the whole answer.
 */
function stallingMidStream(): Promise<{ server: Server; url: string; requests: () => number; release: () => void }> {
  let requests = 0;
  const held: Array<() => void> = [];
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: 'Woven ' }));
      if (requests === 1) {
        held.push(() => res.end());
        return;
      }
      res.write(chunk({ content: 'willow.' }));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests: () => requests, release: () => held.splice(0).forEach((end) => end()) }),
    ),
  );
}

describe('a stream that stalls between tokens', () => {
  it('is abandoned after idleTimeoutS and retried, and the whole answer arrives', { timeout: 60_000 }, async () => {
    const { server, url, requests, release } = await stallingMidStream();
    const endpoint = new Endpoint(url, { concurrency: 1, timeoutMs: 3_600_000, idleTimeoutMs: 300 });
    const pool = new EndpointPool([endpoint], 2);
    try {
      const got = await pool.call((e) => streamChat(e, 'm', question, params, {}), { what: 'chat' });
      expect(got.text).toBe('Woven willow.');
      expect(got.finishReason).toBe('stop');
      expect(requests()).toBe(2);
    } finally {
      release();
      await pool.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('names the limit it passed when every attempt stalls', { timeout: 60_000 }, async () => {
    const { server, url, release } = await stallingMidStream();
    const endpoint = new Endpoint(url, { concurrency: 1, timeoutMs: 3_600_000, idleTimeoutMs: 200 });
    const pool = new EndpointPool([endpoint], 0);
    try {
      await expect(pool.call((e) => streamChat(e, 'm', question, params, {}), { what: 'chat' })).rejects.toThrow(/no token for 0\.2 s \(stalled; idleTimeoutS\)/);
    } finally {
      release();
      await pool.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
