import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinInstructionSet, openTrainedBuiltin } from '../../src/engines/builtin/index.js';
import type { StepEvent } from '../../src/domain/events.js';
import type { TrainingExample } from '../../src/domain/example.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { Session, type SessionInput } from '../../src/domain/session.js';
import type { StepContext } from '../../src/pipeline/step.js';
import { trainStep } from '../../src/pipeline/steps/train.js';
import { readTrainMetrics } from '../../src/trainers/metrics-file.js';
import { readTrainedModel, writeTrainedModel } from '../../src/trainers/trained-model.js';

const previousCacheDir = process.env.BASKETS_CACHE_DIR;
beforeAll(() => {
  process.env.BASKETS_CACHE_DIR = mkdtempSync(join(tmpdir(), 'baskets-cache-'));
});
afterAll(() => {
  if (previousCacheDir === undefined) delete process.env.BASKETS_CACHE_DIR;
  else process.env.BASKETS_CACHE_DIR = previousCacheDir;
});

function makeContext(overrides: Partial<SessionInput> = {}, signal = new AbortController().signal): StepContext {
  const dir = mkdtempSync(join(tmpdir(), 'baskets-train-'));
  const session = Session.parse({
    version: 1,
    name: 'train test',
    createdAt: '2026-01-01T00:00:00Z',
    data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
    models: [{ id: 'founders-s', family: 'founders', size: 'small', roles: ['target'], engine: { engine: 'builtin', base: 'founders-small' }, trainer: { kind: 'builtin', epochs: 3, learningRate: 0.5, batchSize: 8 } }],
    conditions: [
      { name: 'founders-s/vanilla', target: 'founders-s', kind: 'vanilla' },
      { name: 'founders-s/human', target: 'founders-s', kind: 'human' },
    ],
    ...overrides,
  } satisfies SessionInput);
  const paths = sessionPaths(dir);
  const notUsed = () => Promise.reject(new Error('the train step opens no models'));
  return { session, paths, models: { model: notUsed, forCondition: notUsed }, options: { retryErrors: false, strict: false }, signal, now: Date.now };
}

function writeDataset(ctx: StepContext, condition: string, n: number, from = 0): void {
  const rows: TrainingExample[] = builtinInstructionSet()
    .slice(from, from + n)
    .map((e) => ({ exampleId: e.id, origin: 'human', instruction: e.instruction, context: e.context, response: e.response }));
  mkdirSync(join(ctx.paths.dir, 'datasets'), { recursive: true });
  writeFileSync(ctx.paths.dataset(condition), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

async function run(ctx: StepContext, onEvent: (e: StepEvent) => void = () => {}): Promise<StepEvent[]> {
  const events: StepEvent[] = [];
  for await (const e of trainStep(ctx)) {
    events.push(e);
    onEvent(e);
  }
  return events;
}

describe('train step with the builtin trainer', () => {
  it('trains a tiny dataset end to end with falling loss, writes model.json, and skips it on rerun', async () => {
    const ctx = makeContext();
    writeDataset(ctx, 'founders-s/human', 60);
    const events = await run(ctx);

    const metrics = events.flatMap((e) => (e.type === 'train-metrics' ? [e] : []));
    expect(metrics.length).toBeGreaterThan(5);
    expect(new Set(metrics.map((m) => m.task))).toEqual(new Set(['founders-s/human']));
    const losses = metrics.flatMap((m) => (m.metrics.loss === undefined ? [] : [m.metrics.loss]));
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    const evalLosses = metrics.flatMap((m) => (m.metrics.evalLoss === undefined ? [] : [m.metrics.evalLoss]));
    expect(evalLosses.length).toBeGreaterThan(1);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ task: 'founders-s/human', unit: 'steps' });
    const last = progress.at(-1) as Extract<StepEvent, { type: 'progress' }>;
    expect(last.done).toBe(last.total);
    const summary = events.at(-1);
    expect(summary?.type).toBe('summary');
    expect(summary?.type === 'summary' && summary.text).toMatch(/^trained 1 · founders-s\/human loss \d/);

    const runDir = ctx.paths.runDir('founders-s/human');
    const trained = readTrainedModel(runDir);
    expect(trained?.kind).toBe('builtin');
    // Stored relative to the run dir, read back absolute.
    expect(JSON.parse(readFileSync(join(runDir, 'model.json'), 'utf8')).modelDir).not.toMatch(/^\//);
    const model = await openTrainedBuiltin((trained as { modelDir: string }).modelDir, { id: 'founders-s/human' });
    expect(model.id).toBe('founders-s/human');

    const again = await run(ctx);
    expect(again.some((e) => e.type === 'train-metrics')).toBe(false);
    expect(again.at(-1)).toEqual({ type: 'summary', text: 'trained 0, 1 already done' });
    // The skipped run's curve is still there to draw: every logged step, kept in its run folder.
    expect(await readTrainMetrics(runDir)).toEqual(metrics.map((m) => m.metrics));
  });

  it('stops cleanly on cancel, as the runner does it, and resumes from that step on the next run', async () => {
    const abort = new AbortController();
    const ctx = makeContext({}, abort.signal);
    writeDataset(ctx, 'founders-s/human', 120);
    // The runner aborts, then stops reading the step's events (breaking out of its loop).
    for await (const e of trainStep(ctx)) {
      if (e.type === 'train-metrics' && e.metrics.step === 20) {
        abort.abort(new Error('cancelled'));
        break;
      }
    }
    expect(readTrainedModel(ctx.paths.runDir('founders-s/human'))).toBeNull();

    // The trainer runs on a pool thread, ahead of the events read here: it saved its checkpoint
    // at the step it had reached when the cancel came, the 20th or a little later.
    const resumed = await run({ ...ctx, signal: new AbortController().signal });
    const firstStep = resumed.find((e) => e.type === 'train-metrics');
    expect(firstStep?.type === 'train-metrics' && firstStep.metrics.step).toBeGreaterThan(20);
    expect(readTrainedModel(ctx.paths.runDir('founders-s/human'))?.kind).toBe('builtin');
  });

  it('moves a run aside and trains again when its dataset or trainer settings change, and skips it when nothing did', async () => {
    const ctx = makeContext();
    const condition = 'founders-s/human';
    const runDir = ctx.paths.runDir(condition);
    const sha = () => createHash('sha256').update(readFileSync(ctx.paths.dataset(condition))).digest('hex');
    const staleDirs = () => readdirSync(join(ctx.paths.dir, 'runs')).filter((d) => d.includes('.stale-'));
    writeDataset(ctx, condition, 40);
    await run(ctx);
    const first = readTrainedModel(runDir)!;
    expect(first.trainedOn?.dataset).toBe(sha());

    // The assemble step rebuilt the dataset (say, more synthetic answers came in).
    writeDataset(ctx, condition, 40, 40);
    const events = await run(ctx);
    expect(events.some((e) => e.type === 'train-metrics')).toBe(true);
    const moved = events.find((e) => e.type === 'log' && e.message.includes('moved it to'));
    expect(moved).toMatchObject({ level: 'info', message: expect.stringMatching(/^founders-s\/human: its dataset changed since .* was trained; moved it to .*\.stale-/) });
    expect(staleDirs()).toHaveLength(1);
    // The old run is kept whole, with what it was trained on.
    const aside = join(ctx.paths.dir, 'runs', staleDirs()[0]);
    expect(readTrainedModel(aside)?.trainedOn).toEqual(first.trainedOn);
    const second = readTrainedModel(runDir)!;
    expect(second.trainedOn).toEqual({ dataset: sha(), recipe: first.trainedOn!.recipe });

    const unchanged = await run(ctx);
    expect(unchanged.at(-1)).toEqual({ type: 'summary', text: 'trained 0, 1 already done' });
    expect(staleDirs()).toHaveLength(1);

    const moreEpochs = makeContext({
      models: [{ id: 'founders-s', family: 'founders', size: 'small', roles: ['target'], engine: { engine: 'builtin', base: 'founders-small' }, trainer: { kind: 'builtin', epochs: 4, learningRate: 0.5, batchSize: 8 } }],
    });
    const retuned = await run({ ...moreEpochs, paths: ctx.paths });
    expect(retuned.some((e) => e.type === 'log' && /its trainer settings changed/.test(e.message))).toBe(true);
    const third = readTrainedModel(runDir)!.trainedOn!;
    expect(third.dataset).toBe(sha());
    expect(third.recipe).not.toBe(first.trainedOn!.recipe);
    expect(staleDirs()).toHaveLength(2);
  });

  it('resumes an interrupted run only on the dataset it started with; on a changed one it moves it aside and starts over', async () => {
    const abort = new AbortController();
    const ctx = makeContext({}, abort.signal);
    const runDir = ctx.paths.runDir('founders-s/human');
    writeDataset(ctx, 'founders-s/human', 120);
    for await (const e of trainStep(ctx)) {
      if (e.type === 'train-metrics' && e.metrics.step === 20) {
        abort.abort(new Error('cancelled'));
        break;
      }
    }
    writeDataset(ctx, 'founders-s/human', 120, 10);
    const restarted = await run({ ...ctx, signal: new AbortController().signal });
    const firstStep = restarted.find((e) => e.type === 'train-metrics');
    // Step 0 is the untrained model's eval loss: a fresh start, not the checkpoint's step 21.
    expect(firstStep?.type === 'train-metrics' && firstStep.metrics.step).toBe(0);
    const aside = readdirSync(join(ctx.paths.dir, 'runs')).filter((d) => d.includes('.stale-'));
    expect(aside).toHaveLength(1);
    // The interrupted run's checkpoint went with it.
    expect(readdirSync(join(ctx.paths.dir, 'runs', aside[0])).length).toBeGreaterThan(0);
    expect(readTrainedModel(join(ctx.paths.dir, 'runs', aside[0]))).toBeNull();
    expect(readTrainedModel(runDir)?.kind).toBe('builtin');
  });

  it('takes a run finished before fingerprints were recorded as current, records the fingerprint, and warns', async () => {
    const ctx = makeContext();
    const runDir = ctx.paths.runDir('founders-s/human');
    writeDataset(ctx, 'founders-s/human', 40);
    await run(ctx);
    const { trainedOn, ...legacy } = readTrainedModel(runDir)!;
    writeTrainedModel(runDir, legacy);
    expect(readTrainedModel(runDir)!.trainedOn).toBeUndefined();

    const events = await run(ctx);
    expect(events.some((e) => e.type === 'train-metrics')).toBe(false);
    expect(events.find((e) => e.type === 'log' && e.level === 'warn')).toMatchObject({ message: expect.stringMatching(/predates dataset fingerprints/) });
    expect(readTrainedModel(runDir)!.trainedOn).toEqual(trainedOn);
    expect(readdirSync(join(ctx.paths.dir, 'runs')).filter((d) => d.includes('.stale-'))).toEqual([]);
  });

  it('throws the cancel reason when the step is cancelled while it is still being read', async () => {
    const abort = new AbortController();
    const ctx = makeContext({}, abort.signal);
    writeDataset(ctx, 'founders-s/human', 60);
    await expect(
      run(ctx, (e) => {
        if (e.type === 'train-metrics' && e.metrics.step === 3) abort.abort(new Error('cancelled'));
      }),
    ).rejects.toThrow('cancelled');
  });

  it('refuses to start, in one line, when a dataset or a trainer is missing', async () => {
    const noData = makeContext();
    await expect(run(noData)).rejects.toThrow(/no dataset yet .* run the assemble step first/);

    const httpTarget = makeContext({
      models: [{ id: 'remote', family: 'llama', size: 'small', roles: ['target'], engine: { engine: 'openai', baseUrls: ['http://127.0.0.1:9/v1'], model: 'm' } }],
      conditions: [{ name: 'remote/human', target: 'remote', kind: 'human' }],
    });
    await expect(run(httpTarget)).rejects.toThrow(/model "remote" has no trainer: add "trainer"/);
  });

  it('says there is nothing to train for vanilla-only sessions', async () => {
    const ctx = makeContext({ conditions: [{ name: 'founders-s/vanilla', target: 'founders-s', kind: 'vanilla' }] });
    expect(await run(ctx)).toEqual([{ type: 'summary', text: 'nothing to train (vanilla conditions only)' }]);
  });
});
