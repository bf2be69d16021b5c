// Layer by layer, what the generate step adds over the raw SDK loop, in one process, each layer
// alternating with the raw loop. Run (after the compile in README.md):
//   node bench/results/tmp/build/bench/generation/ladder.js [concurrency=16] [repeats=6]
import OpenAI from 'openai';
import { Endpoint } from '../../src/engines/openai/endpoint.js';
import { streamChat } from '../../src/engines/openai/chat.js';
import { Watchdog } from '../../src/engines/openai/watchdog.js';
import { openOpenAIModel } from '../../src/engines/openai/index.js';
import { promptMessages } from '../../src/domain/example.js';
import { serveChild, step, requestBody, EXAMPLES, MODEL, MAX_TOKENS, SAMPLING } from './bench.js';

const C = Number(process.argv[2] ?? 16);
const REPEATS = Number(process.argv[3] ?? 6);
const REQUESTS = 2000;

/** CPU ms per request of `c` workers each running `one(seed)` until REQUESTS are done. */
async function cpuPerRequest(one: (seed: number) => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < REQUESTS) await one(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / REQUESTS;
}

const { url, stop } = await serveChild();
const raw = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
const params = { temperature: SAMPLING.temperature, topP: SAMPLING.topP, maxTokens: MAX_TOKENS };
// Every layer sends what the step sends.
const body = (seed: number) => requestBody(EXAMPLES, seed);
const messages = (seed: number) => promptMessages(EXAMPLES[seed % EXAMPLES.length]);
const drain = async (stream: AsyncIterable<{ choices: { delta?: { content?: string | null } }[] }>) => {
  let tokens = 0;
  for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) tokens++;
  return tokens;
};
const endpoint = new Endpoint(url, { concurrency: C, timeoutMs: 600_000 });
const model = await openOpenAIModel({ id: 'src', family: 'f', size: 'small', roles: ['source'], engine: { engine: 'openai', baseUrls: [url], model: MODEL, concurrency: C } } as never);
const layers: Record<string, (seed: number) => Promise<unknown>> = {
  'raw SDK': async (seed) => drain(await raw.chat.completions.create(body(seed))),
  "the endpoint's SDK client": async (seed) => drain(await endpoint.client.chat.completions.create(body(seed))),
  '+ a signal of its own': async (seed) => drain(await endpoint.client.chat.completions.create(body(seed), { signal: new AbortController().signal })),
  '+ Watchdog': async (seed) => {
    const w = new Watchdog(endpoint.streamTimeouts);
    try {
      const stream = await endpoint.client.chat.completions.create(body(seed), w.requestOptions);
      for await (const chunk of stream) {
        w.touch();
        void chunk;
      }
    } finally {
      w.dispose();
    }
  },
  '+ streamChat (watchdog)': (seed) => streamChat(endpoint, MODEL, messages(seed), { ...params, seed }, {}),
  '+ pool (model.generate)': (seed) => model.generate(messages(seed), { ...params, seed }, { what: 'chat' } as never),
};
const ratios: Record<string, number[]> = {};
// Warm-up: the step's CPU per request settles only after about ten passes (README.md).
for (let pass = 0; pass < 4; pass++) {
  for (const one of Object.values(layers)) await cpuPerRequest(one);
  await step(url, C, EXAMPLES);
}
for (let r = 0; r < REPEATS; r++) {
  for (const [name, one] of [...Object.entries(layers).slice(1), ['the step', null] as const]) {
    const pair = async () => (one ? cpuPerRequest(one) : (await step(url, C, EXAMPLES)).cpuMsPerRequest);
    const [a, b] = r % 2 ? [await pair(), await cpuPerRequest(layers['raw SDK'])] : [await cpuPerRequest(layers['raw SDK']), await pair()].reverse();
    (ratios[name] ??= []).push(a / b);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
console.log(`concurrency ${C}, ${REPEATS} repeats, CPU per request against the raw SDK loop: median (min–max)`);
for (const [name, xs] of Object.entries(ratios)) console.log(`${name.padEnd(28)} ${median(xs).toFixed(3)}× (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`);
await Promise.all([endpoint.close(), model.close()]);
stop();
