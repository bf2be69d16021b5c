import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import type { RunEvent } from '../../src/domain/events.js';
import { promptMessages, type Example } from '../../src/domain/example.js';
import { createModelResolver } from '../../src/pipeline/models.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { readResult } from '../../src/pipeline/results.js';
import { runSession } from '../../src/pipeline/runner.js';
import type { SessionInput, StepId } from '../../src/domain/session.js';
import { STEPS } from '../../src/pipeline/steps/index.js';
import { createTrainStep } from '../../src/pipeline/steps/train.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { readTrainedModel } from '../../src/trainers/trained-model.js';
import { readJsonlAll } from '../../src/util/jsonl.js';

// A hosted fine-tuning study end to end: the session's target is served by a real
// `baskets serve` on loopback, trained there through its jobs API, and evaluated on the
// `ft:` model the job produced.
let server: RunningServer;
let root: string;
let store: SessionStore;
const previousCacheDir = process.env.BASKETS_CACHE_DIR;

const HUMAN = 'fs/human';
const VANILLA = 'fs/vanilla';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'baskets-ft-session-'));
  // The runner's own builtin models (the embedder, the judge) and the server share one cache.
  process.env.BASKETS_CACHE_DIR = join(root, 'cache');
  server = await startServer({ host: '127.0.0.1', port: 0, models: ['founders-small'], cacheDir: join(root, 'cache'), dataDir: join(root, 'serve-data') });
  store = new SessionStore(join(root, 'sessions'));
});
afterAll(async () => {
  await server?.close();
  if (previousCacheDir === undefined) delete process.env.BASKETS_CACHE_DIR;
  else process.env.BASKETS_CACHE_DIR = previousCacheDir;
  rmSync(root, { recursive: true, force: true });
});

const session = (name = 'hosted', trainer: Record<string, unknown> = { baseUrl: server.url }, engine: Record<string, unknown> = {}): SessionInput => ({
  version: 1,
  name,
  createdAt: '2026-12-01T00:00:00Z',
  seed: 11,
  data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: 80, testFraction: 0.25 },
  models: [
    {
      id: 'fs',
      family: 'founders',
      size: 'small',
      roles: ['target'],
      engine: { engine: 'openai', baseUrls: [server.url], model: 'founders-small', concurrency: 4, ...engine },
      generation: { maxTokens: 24 },
      trainer: { kind: 'openai-ft', baseModel: 'founders-small', epochs: 3, ...trainer },
    },
  ],
  conditions: [
    { name: VANILLA, target: 'fs', kind: 'vanilla' },
    { name: HUMAN, target: 'fs', kind: 'human' },
  ],
  evaluation: { answers: 4, safety: { limit: 2 } },
});

async function run(steps: StepId[], name = 'hosted') {
  const events: RunEvent[] = [];
  const outcome = await runSession({
    store,
    name,
    steps,
    // The real steps; only the job polling is quickened.
    registry: { ...STEPS, train: createTrainStep({ openai: { pollMs: 20 } }) },
    models: (ctx, report) => createModelResolver(ctx.session, ctx.paths, { signal: ctx.signal, report }),
    onEvent: (e) => events.push(e),
  });
  const failed = events.find((e) => e.type === 'step-finish' && e.status !== 'done');
  expect(failed, JSON.stringify(failed)).toBeUndefined();
  expect(outcome).toBe('done');
  return events;
}

describe('a session whose target is fine-tuned by a hosted job on baskets serve', () => {
  let trainEvents: RunEvent[];
  beforeAll(async () => {
    store.create(session());
    await run(['data', 'assemble']);
    trainEvents = await run(['train']);
    await run(['answer', 'perplexity']);
  }, 240_000);

  it('creates the job and streams its metrics events, with step and train/valid loss, into the event log', () => {
    const created = trainEvents.find((e) => e.type === 'log' && /created fine-tuning job ftjob-\w+ on founders-small/.test(e.message));
    expect(created).toMatchObject({ step: 'train', message: expect.stringMatching(new RegExp(`^${HUMAN}: `)) });
    const metrics = trainEvents.flatMap((e) => (e.type === 'train-metrics' ? [e] : []));
    expect(metrics.length).toBeGreaterThan(3);
    expect(new Set(metrics.map((m) => m.task))).toEqual(new Set([HUMAN]));
    const steps = metrics.map((m) => m.metrics.step);
    expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b));
    expect(metrics.every((m) => m.metrics.totalSteps >= m.metrics.step)).toBe(true);
    const losses = metrics.flatMap((m) => (m.metrics.loss === undefined ? [] : [m.metrics.loss]));
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    expect(metrics.some((m) => m.metrics.evalLoss !== undefined)).toBe(true);
    const progress = trainEvents.flatMap((e) => (e.type === 'progress' && e.task === HUMAN ? [e] : []));
    expect(progress.at(-1)).toMatchObject({ unit: 'steps', done: metrics.at(-1)!.metrics.step, total: metrics.at(-1)!.metrics.totalSteps });
    const summary = trainEvents.find((e) => e.type === 'step-finish');
    expect(summary).toMatchObject({ status: 'done', summary: expect.stringMatching(/^trained 1 · fs\/human loss \d/) });
  });

  it('registers the fine-tuned model for evaluation, and the resolver opens it on the server', async () => {
    const paths = sessionPaths(store.dir('hosted'));
    const trained = readTrainedModel(paths.runDir(HUMAN));
    expect(trained).toMatchObject({ kind: 'openai', baseUrl: server.url, model: expect.stringMatching(/^ft:founders-small:/) });
    const ftModel = trained?.kind === 'openai' ? trained.model : '';
    const served = await new OpenAI({ baseURL: server.url, apiKey: 'none' }).models.list();
    expect(served.data.map((m) => m.id)).toContain(ftModel);

    const loaded = store.load('hosted');
    const resolver = createModelResolver(loaded, paths);
    const condition = (name: string) => loaded.conditions.find((c) => c.name === name)!;
    const [tuned, vanilla] = await Promise.all([resolver.forCondition(condition(HUMAN)), resolver.forCondition(condition(VANILLA))]);
    expect(tuned.id).toBe(HUMAN);
    expect(tuned.capabilities.has('score')).toBe(true);
    // The fine-tuned model finds the human responses it was trained on more likely than the released one.
    const train = await readJsonlAll<Example>(paths.humanTrain);
    const meanLogProb = async (model: typeof tuned) => {
      let total = 0;
      let tokens = 0;
      for (const e of train.slice(0, 8)) {
        const { logprobs } = await model.score(promptMessages(e), e.response);
        total += logprobs.reduce((a, b) => a + b, 0);
        tokens += logprobs.length;
      }
      return total / tokens;
    };
    expect(await meanLogProb(tuned)).toBeGreaterThan(await meanLogProb(vanilla));
  });

  it('answers and scores perplexity with the ft: model, better than vanilla on the human test text', () => {
    const paths = sessionPaths(store.dir('hosted'));
    const answers = readResult(paths, 'answers')!;
    expect(answers.models.map((m) => m.condition).sort()).toEqual([HUMAN, VANILLA]);
    for (const m of answers.models) expect(m.test).toMatchObject({ items: 4, answered: 4, errors: 0 });

    const ppl = readResult(paths, 'perplexity')!;
    const of = (name: string) => ppl.models.find((m) => m.condition === name)!;
    expect(of(HUMAN)).toMatchObject({ errors: 0, scored: ppl.items });
    expect(of(VANILLA)).toMatchObject({ errors: 0, scored: ppl.items });
    expect(of(HUMAN).mean.value!).toBeLessThan(of(VANILLA).mean.value!);
    expect(ppl.comparisons).toHaveLength(1);
  });
});

describe('a hosted-fine-tuning trainer that names no server', () => {
  it("trains where the target is served, with the target's key, not at OpenAI", async () => {
    process.env.BASKETS_TEST_FT_KEY = 'test-key';
    try {
      store.create(session('hosted-default', {}, { apiKeyEnv: 'BASKETS_TEST_FT_KEY' }));
      await run(['data', 'assemble', 'train'], 'hosted-default');
      const trained = readTrainedModel(sessionPaths(store.dir('hosted-default')).runDir(HUMAN));
      expect(trained).toMatchObject({ kind: 'openai', baseUrl: server.url, apiKeyEnv: 'BASKETS_TEST_FT_KEY', model: expect.stringMatching(/^ft:founders-small:/) });
    } finally {
      delete process.env.BASKETS_TEST_FT_KEY;
    }
  }, 120_000);
});
