/**
 * Generation-step throughput against `baskets serve --instant` (no model work, so the client
 * side is what is measured), beside a minimal loop over the raw `openai` SDK at the same
 * concurrency, in the same run. The server runs in a child process so its CPU time is not
 * counted as the client's. Run: see README.md in this folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { openOpenAIModel } from '../../src/engines/openai/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import { promptMessages, type Example } from '../../src/domain/example.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { GenerationParams, Session } from '../../src/domain/session.js';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { readSyntheticAnswers } from '../../src/pipeline/generation/answers.js';
import { writeFileAtomic } from '../../src/util/atomic.js';

export const MODEL = 'founders-small';
const CONCURRENCIES = (process.env.BENCH_CONCURRENCIES ?? '16,64,256').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
/** Unmeasured passes of both sides at every concurrency before the table. */
const WARMUP_PASSES = Number(process.env.BENCH_WARMUP ?? 4);
/** One side alone (`raw` or `step`), for a CPU profile of just that client. */
const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && ONLY !== 'raw' && ONLY !== 'step') throw new Error(`BENCH_ONLY is "${ONLY}": set it to raw or step, or leave it unset for both`);
const INSTRUCTIONS = 400;
const SAMPLES = 5; // 2000 requests per measurement
export const MAX_TOKENS = 16;
/** The instructions both sides answer. */
export const EXAMPLES: Example[] = Array.from({ length: INSTRUCTIONS }, (_, i) => ({ id: String(i), instruction: `Instruction ${i}: describe a basket.`, context: '', response: '', category: 'bench' }));

interface Measure {
  completionsPerS: number;
  tokensPerS: number;
  cpuMsPerRequest: number;
}

/** Times `work`; `tokens` counts what it streamed afterwards, outside the time and the CPU measured. */
async function measure(requests: number, work: () => Promise<unknown>, tokens: () => Promise<number>): Promise<Measure> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await work();
  const s = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  return { completionsPerS: requests / s, tokensPerS: (await tokens()) / s, cpuMsPerRequest: (used.user + used.system) / 1000 / requests };
}

/** What the step sends: a source's default sampling. */
export const SAMPLING = GenerationParams.parse({});

/**
 * The baseline: N workers each streaming chat completions through one default SDK client,
 * with the step's own request bodies (its instructions, sampling and token limit), so the
 * server does the same work for both sides.
 */
async function rawSdk(url: string, concurrency: number, examples: Example[]): Promise<Measure> {
  const client = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
  const requests = examples.length * SAMPLES;
  let tokens = 0;
  return measure(
    requests,
    async () => {
      let next = 0;
      const worker = async () => {
        while (next < requests) {
          const seed = next++;
          const stream = await client.chat.completions.create(requestBody(examples, seed));
          for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) tokens++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    },
    async () => tokens,
  );
}

/** The streamed chat request the step sends for request `seed` (an instruction, a source's default sampling, the token limit). */
export function requestBody(examples: readonly Example[], seed: number) {
  return {
    model: MODEL,
    messages: promptMessages(examples[seed % examples.length]),
    stream: true as const,
    stream_options: { include_usage: true },
    temperature: SAMPLING.temperature,
    top_p: SAMPLING.topP,
    max_tokens: MAX_TOKENS,
    seed,
  };
}

/** The generate step on a fresh session: keyed files, progress events, accounting and all. */
export async function step(url: string, concurrency: number, examples: Example[]): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'baskets-bench-gen-'));
  const session = Session.parse({
    version: 1,
    name: 'bench',
    createdAt: new Date().toISOString(),
    data: { source: { kind: 'file', path: 'x' } },
    models: [
      {
        id: 'src',
        family: 'f',
        size: 'small',
        roles: ['source'],
        engine: { engine: 'openai', baseUrls: [url], model: MODEL, concurrency },
        generation: { maxTokens: MAX_TOKENS, samples: SAMPLES },
      },
    ],
  });
  const paths = sessionPaths(dir);
  writeFileAtomic(paths.humanTrain, examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const ctx = {
      session,
      paths,
      options: { retryErrors: false, strict: false },
      signal: new AbortController().signal,
      now: Date.now,
      models: {
        model: async () => {
          const m = await openOpenAIModel(session.models[0]);
          opened.push(m);
          return m;
        },
        forCondition: () => Promise.reject(new Error('unused')),
      },
    };
    // The step's tokens are in its rows: read back after the clock stops (the raw loop counts
    // its own as they stream, one add a chunk).
    return await measure(
      examples.length * SAMPLES,
      async () => {
        for await (const _event of generateStep(ctx));
      },
      async () => {
        let tokens = 0;
        for (const rows of (await readSyntheticAnswers(paths.synthetic('src'))).values()) for (const r of rows) tokens += r.completionTokens ?? 0;
        return tokens;
      },
    );
  } finally {
    await Promise.all(opened.map((m) => m.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function serveChild(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /(http:\/\/\S+\/v1)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function main() {
  if (process.argv.includes('--serve')) {
    const server = await startServer({ port: 0, instant: true, models: [MODEL] });
    process.stdout.write(`${server.url}\n`);
    process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
    return;
  }
  const { url, stop } = await serveChild();
  // Warm-up, both sides in full, unmeasured, until both are steady: the probe cache, and every
  // path compiled by the JIT before the first row of the table. The raw loop is steady after one
  // pass of 2000 requests; the step's CPU per request still falls for about ten (README.md), so a
  // single pass left the first row measured, concurrency 16, on a step still warming up.
  for (let pass = 0; pass < WARMUP_PASSES; pass++) {
    for (const c of CONCURRENCIES) {
      if (ONLY !== 'raw') await step(url, c, EXAMPLES);
      if (ONLY !== 'step') await rawSdk(url, c, EXAMPLES);
    }
  }
  const rows: string[] = [];
  for (const c of CONCURRENCIES) {
    const raw: Measure[] = [];
    const gen: Measure[] = [];
    for (let r = 0; r < REPEATS; r++) {
      // Alternate which goes first, so warm-up and background load fall on both alike.
      const runRaw = async () => raw.push(await rawSdk(url, c, EXAMPLES));
      const runStep = async () => gen.push(await step(url, c, EXAMPLES));
      const only = ONLY === 'raw' ? runRaw : ONLY === 'step' ? runStep : undefined;
      for (const run of only ? [only] : r % 2 ? [runStep, runRaw] : [runRaw, runStep]) await run();
    }
    if (ONLY) continue;
    const m = (xs: Measure[], k: keyof Measure) => median(xs.map((x) => x[k]));
    // Each repeat's step against the raw SDK of the same repeat, so load that shifts between
    // repeats falls on both sides of a ratio: the median of those ratios and their spread.
    const paired = (k: keyof Measure) => gen.map((g, i) => g[k] / raw[i][k]);
    const spread = (xs: number[]) => `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
    rows.push(
      `| ${c} | ${m(raw, 'completionsPerS').toFixed(0)} | ${m(gen, 'completionsPerS').toFixed(0)} | ${spread(paired('completionsPerS'))} | ${m(raw, 'tokensPerS').toFixed(0)} | ${m(gen, 'tokensPerS').toFixed(0)} | ${m(raw, 'cpuMsPerRequest').toFixed(2)} | ${m(gen, 'cpuMsPerRequest').toFixed(2)} | ${spread(paired('cpuMsPerRequest'))} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  stop();
  console.log(
    '| concurrency | raw SDK completions/s | generate step completions/s | step / raw throughput, median (min–max) | raw SDK tokens/s | step tokens/s | raw SDK CPU ms/request | step CPU ms/request | step / raw CPU, median (min–max) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

// Run as the bench, or as its server; imported (by ladder.ts) for its pieces.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
