/**
 * How long a stalled request holds the client, now that the tests no longer time it: an
 * attempt cut by an openai entry's timeoutS, and a probe cut by a cancel, each beside the raw
 * `openai` SDK doing the same (its `timeout`, an AbortSignal) against the same stalled server, in
 * the same run. The server is `baskets serve --instant` with every request stalled for an hour,
 * so the only way a call ends is the cut being measured. Run: see README.md in this folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { openOpenAIModel, probeServer } from '../../src/engines/openai/index.js';
import { parseFaults, startServer } from '../../src/engines/serve/index.js';
import { ModelEntry } from '../../src/domain/session.js';

const MODEL = 'founders-small';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);
const TIMEOUT_S = 0.4;
const question = [{ role: 'user' as const, content: 'What is a basket?' }];

const cache = mkdtempSync(join(tmpdir(), 'baskets-bench-stalls-'));
process.env.BASKETS_CACHE_DIR = cache;
const faults = parseFaults('seed=1,stall-ms=3600000');
/** Resolvers waiting for the server to hold the next stalled request. */
const stallWaiters: Array<() => void> = [];
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  instant: true,
  models: [MODEL],
  faults,
  log: (line) => line === 'fault: stall' && stallWaiters.shift()?.(),
});
const stalled = () => new Promise<void>((resolve) => stallWaiters.push(resolve));
const entry = ModelEntry.parse({ id: 'm', family: 'f', size: 'small', roles: ['source'], engine: { engine: 'openai', baseUrls: [server.url], model: MODEL, maxRetries: 0, timeoutS: TIMEOUT_S } });

/** Milliseconds from `start` until `call` rejects (it must: every request stalls for an hour). */
async function msUntilRejected(call: () => Promise<unknown>, start: () => Promise<number> = async () => performance.now()): Promise<number> {
  const pending = call().then(
    () => Promise.reject(new Error('a stalled call was answered')),
    () => performance.now(),
  );
  const from = await start();
  return (await pending) - from;
}

/** A cancel sent as soon as the server holds the request, timed from the cancel. */
function cancelOnStall(abort: AbortController): () => Promise<number> {
  return async () => {
    await stalled();
    abort.abort(new Error('cancelled'));
    return performance.now();
  };
}

const measures: Record<string, Array<() => Promise<number>>> = {
  'stalled attempt, timeoutS 0.4': [
    async () => {
      const model = await openOpenAIModel(entry);
      try {
        return await msUntilRejected(() => model.generate(question, { temperature: 0, topP: 1, maxTokens: 4, seed: 1 }));
      } finally {
        await model.close();
      }
    },
    async () => {
      const client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0, timeout: TIMEOUT_S * 1000 });
      const streamed = async () => {
        for await (const _chunk of await client.chat.completions.create({ model: MODEL, messages: question, max_tokens: 4, stream: true }));
      };
      return msUntilRejected(streamed);
    },
  ],
  'probe cancelled mid-request': [
    async () => {
      const abort = new AbortController();
      return msUntilRejected(() => probeServer(server.url, { refresh: true, models: [MODEL], timeoutMs: 3_600_000, signal: abort.signal }), cancelOnStall(abort));
    },
    async () => {
      const abort = new AbortController();
      const client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
      return msUntilRejected(() => client.chat.completions.create({ model: MODEL, messages: question, max_tokens: 4 }, { signal: abort.signal }), cancelOnStall(abort));
    },
  ],
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => x.toFixed(1);
const summary = (xs: number[]) => `${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})`;
/** A ratio to a baseline under a millisecond says nothing: the difference is the number then. */
const ratio = (a: number, b: number) => (b >= 1 ? `${(a / b).toFixed(2)}×` : '—');

// Probe once with no faults, so the model's own probe is cached and only the measured calls stall.
await (await openOpenAIModel(entry)).close();
faults.rates.stall = 1;
console.log(`| what | baskets ms (median, min–max of ${REPEATS}) | raw SDK ms (median, min–max) | baskets − SDK ms | baskets / SDK |`);
console.log('|---|---|---|---|---|');
for (const [what, [ours, sdk]] of Object.entries(measures)) {
  const a: number[] = [];
  const b: number[] = [];
  // Alternate which goes first, so warm-up and background load fall on both alike.
  for (let r = 0; r < REPEATS; r++) for (const [run, into] of r % 2 ? ([[sdk, b], [ours, a]] as const) : ([[ours, a], [sdk, b]] as const)) into.push(await run());
  console.log(`| ${what} | ${summary(a)} | ${summary(b)} | ${ms(median(a) - median(b))} | ${ratio(median(a), median(b))} |`);
}
await server.close();
rmSync(cache, { recursive: true, force: true });
