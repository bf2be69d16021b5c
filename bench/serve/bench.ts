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
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import { openBuiltinModel } from '../../src/engines/builtin/index.js';

const MODEL = 'founders-small';
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const messages = [{ role: 'user' as const, content: 'What should Congress do about the public debt?' }];

/** Chat-completions requests/s and latency of `model` on `server` at one concurrency. */
async function chatLoad(server: RunningServer, label: string, model: string, concurrency: number, requests: number, stream: boolean, maxTokens: number) {
  const client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const seed = next++;
      const t = performance.now();
      const body = { model, messages, max_tokens: maxTokens, temperature: 0.8, top_p: 0.95, seed };
      if (stream) {
        const s = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
        for await (const _chunk of s);
      } else await client.chat.completions.create(body);
      latencies.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return `| ${label} ${stream ? 'stream' : 'json'} | ${concurrency} | ${requests} | ${(requests / seconds).toFixed(0)} | ${quantile(latencies, 0.5).toFixed(2)} | ${quantile(latencies, 0.99).toFixed(2)} |`;
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
  const instant = await startServer({ port: 0, instant: true, models: [] });
  for (const stream of [false, true]) for (const c of [1, 16, 64]) console.log(await chatLoad(instant, 'instant', 'bench', c, c === 1 ? 1000 : 4000, stream, 16));
  await instant.close();
  // The builtin engine doing real work: 64-token answers of founders-small (pretrained first).
  const served = await startServer({ port: 0, cacheDir, models: [MODEL] });
  await chatLoad(served, 'warm-up', MODEL, 1, 1, false, 1);
  for (const c of [1, 16, 64]) console.log(await chatLoad(served, MODEL, MODEL, c, 300, false, 64));
  await served.close();
  console.log(`\n| ${MODEL} | tokens | tokens/s |\n|---|---|---|`);
  for (const row of await builtin(cacheDir)) console.log(row);
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
