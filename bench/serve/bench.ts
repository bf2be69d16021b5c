/**
 * `baskets serve` benchmark: what the HTTP path costs. Instant mode measures the SDK client
 * and the server with no model work (requests/s and latency at several concurrencies); the
 * builtin model measures served generation and scoring against the same work in process.
 * Run: see README.md in this folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startServer } from '../../src/engines/serve/index.js';
import { openBuiltinModel } from '../../src/engines/builtin/index.js';

const MODEL = 'founders-small';
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const messages = [{ role: 'user' as const, content: 'What should Congress do about the public debt?' }];

async function instant(concurrency: number, requests: number, stream: boolean) {
  const server = await startServer({ port: 0, instant: true, models: [] });
  const client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      const t = performance.now();
      if (stream) {
        const s = await client.chat.completions.create({ model: 'bench', messages, max_tokens: 16, stream: true, stream_options: { include_usage: true } });
        for await (const _chunk of s);
      } else await client.chat.completions.create({ model: 'bench', messages, max_tokens: 16 });
      latencies.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await server.close();
  return `| instant ${stream ? 'stream' : 'json'} | ${concurrency} | ${requests} | ${(requests / seconds).toFixed(0)} | ${quantile(latencies, 0.5).toFixed(2)} | ${quantile(latencies, 0.99).toFixed(2)} |`;
}

async function builtin(cacheDir: string) {
  const server = await startServer({ port: 0, cacheDir, models: [MODEL] });
  const client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
  const local = await openBuiltinModel(MODEL, { cacheDir });
  await client.chat.completions.create({ model: MODEL, messages, max_tokens: 1 }); // load
  const rows: string[] = [];
  for (const [label, run] of [
    ['generate in process', async (seed: number) => (await local.generate(messages, { temperature: 1, topP: 1, maxTokens: 200, seed })).completionTokens],
    ['generate via HTTP', async (seed: number) => (await client.chat.completions.create({ model: MODEL, messages, max_tokens: 200, seed })).usage!.completion_tokens],
    ['generate via HTTP, top_logprobs 5', async (seed: number) => (await client.chat.completions.create({ model: MODEL, messages, max_tokens: 200, seed, logprobs: true, top_logprobs: 5 })).usage!.completion_tokens],
  ] as const) {
    let tokens = 0;
    const t = performance.now();
    for (let seed = 0; seed < 30; seed++) tokens += await run(seed);
    rows.push(`| ${label} | ${tokens} | ${(tokens / ((performance.now() - t) / 1000)).toFixed(0)} |`);
  }
  const text = 'The public debt of the United States should be paid as fast as the revenue allows. '.repeat(20);
  const t = performance.now();
  let scored = 0;
  for (let i = 0; i < 30; i++) {
    const r = await client.completions.create({ model: MODEL, prompt: text, echo: true, logprobs: 0, max_tokens: 0 });
    scored += r.usage!.prompt_tokens;
  }
  rows.push(`| score via HTTP (echo, max_tokens 0) | ${scored} | ${(scored / ((performance.now() - t) / 1000)).toFixed(0)} |`);
  await server.close();
  return rows;
}

const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-bench-serve-'));
try {
  console.log('| mode | concurrency | requests | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|');
  for (const stream of [false, true]) for (const c of [1, 16, 64]) console.log(await instant(c, c === 1 ? 1000 : 4000, stream));
  console.log(`\n| ${MODEL} | tokens | tokens/s |\n|---|---|---|`);
  for (const row of await builtin(cacheDir)) console.log(row);
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
