import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { dollyExamples, makeSession, openaiSource, readRows, runStep } from '../generate/fixture.js';

// Replicas, pricing and answers cut at max tokens, through the generate step against
// `baskets serve`. Each replica is a counting HTTP forwarder in front of the server, so the
// test sees how the work was shared and how many requests each replica had at once.

interface Replica {
  url: string;
  chats: number;
  peak: number;
  close(): Promise<void>;
}

async function replicaOf(upstream: string): Promise<Replica> {
  const target = new URL(upstream);
  let active = 0;
  const replica: Replica = { url: '', chats: 0, peak: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chat = req.method === 'POST' && req.url === '/v1/chat/completions';
    if (chat) {
      replica.chats++;
      replica.peak = Math.max(replica.peak, ++active);
    }
    const upstreamReq = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', () => chat && active--);
    });
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  replica.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  replica.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return replica;
}

const base = listBuiltinBases()[0].id;
let serve: Awaited<ReturnType<typeof startServer>>;
let replicas: Replica[];

beforeAll(async () => {
  serve = await startServer({ host: '127.0.0.1', port: 0, models: [base] });
  replicas = [await replicaOf(serve.url), await replicaOf(serve.url)];
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await serve.close();
});

describe('generation accounting', () => {
  it('shares one source over its replicas within each one’s limit, prices the tokens and counts answers cut at max tokens', async () => {
    const examples = dollyExamples(24);
    const pricing = { prompt: 3, completion: 15 }; // USD per million tokens
    const source = {
      ...openaiSource('src', replicas[0].url, base, { baseUrls: replicas.map((r) => r.url), concurrency: 2, pricing }),
      generation: { temperature: 0.8, topP: 0.95, maxTokens: 3 },
    };
    const s = makeSession([source], examples);
    const before = replicas.map((r) => r.chats);
    const { events, error } = await runStep(generateStep, s);
    expect(error).toBeUndefined();

    const rows = readRows(s.paths.synthetic('src'));
    expect(new Set(rows.map((r) => r.key)).size).toBe(examples.length);
    expect(rows.every((r) => r.error === undefined)).toBe(true);

    // Both replicas answered a fair part, neither past its own limit of 2.
    const served = replicas.map((r, i) => r.chats - before[i]);
    expect(served[0] + served[1]).toBeGreaterThanOrEqual(examples.length);
    for (const n of served) expect(n).toBeGreaterThanOrEqual(examples.length / 4);
    for (const r of replicas) expect(r.peak).toBeLessThanOrEqual(2);

    const result = JSON.parse(readFileSync(s.paths.result('generation'), 'utf8')) as { sources: Array<Record<string, number>> };
    const [acc] = result.sources;
    const promptTokens = rows.reduce((n, r) => n + r.promptTokens!, 0);
    const completionTokens = rows.reduce((n, r) => n + r.completionTokens!, 0);
    expect(acc).toMatchObject({ keys: examples.length, answered: examples.length, errors: 0, promptTokens, completionTokens });
    expect(acc.costUsd).toBeCloseTo((promptTokens * 3 + completionTokens * 15) / 1e6, 12);

    const cut = rows.filter((r) => r.finishReason === 'length').length;
    expect(cut).toBeGreaterThan(0);
    expect(rows.filter((r) => r.finishReason === 'length').every((r) => r.completionTokens === 3)).toBe(true);
    expect(acc.truncated).toBe(cut);
    const summary = events.at(-1) as { type: string; text: string };
    expect(summary.type).toBe('summary');
    expect(summary.text).toContain(`${cut} cut at max tokens`);
    expect(summary.text).toContain(`$${acc.costUsd.toFixed(2)}`);
  });
});
