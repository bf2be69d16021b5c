import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinInstructionSet } from '../../src/engines/builtin/index.js';
import { apportion } from '../../src/pipeline/conditions.js';
import type { StepEvent } from '../../src/domain/events.js';
import type { Example, SyntheticRecord, TrainingExample } from '../../src/domain/example.js';
import { answerKeyIn, answerSeed, paramsHashOf } from '../../src/pipeline/generation/answer-keys.js';
import { sha256 } from '../../src/domain/hash.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { Session, type SessionInput } from '../../src/domain/session.js';
import type { Step, StepContext } from '../../src/pipeline/step.js';
import { assembleStep } from '../../src/pipeline/steps/assemble.js';
import { trainStep } from '../../src/pipeline/steps/train.js';
import { readTrainedModel } from '../../src/trainers/trained-model.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { useTempDir, useBuiltinCache } from '../helpers/tmp.js';

const tmp = useTempDir();
const TRAIN = 30;
const train: Example[] = builtinInstructionSet().slice(0, TRAIN);

const builtin = (id: string, family: string, roles: ('source' | 'target')[]) => ({
  id,
  family,
  size: 'small' as const,
  roles,
  engine: { engine: 'builtin' as const, base: `${family}-small` },
  ...(roles.includes('target') ? { trainer: { kind: 'builtin' as const, epochs: 1, batchSize: 8 } } : {}),
});

function makeContext(conditions: SessionInput['conditions']): StepContext {
  const session = Session.parse({
    version: 1,
    name: 'assemble-test',
    createdAt: '2026-01-01T00:00:00Z',
    seed: 7,
    data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
    models: [builtin('t', 'founders', ['target']), builtin('a', 'founders', ['source']), builtin('b', 'industrial', ['source']), builtin('c', 'modern', ['source'])],
    conditions,
  } satisfies SessionInput);
  const paths = sessionPaths(tmp());
  writeFileAtomic(paths.humanTrain, train.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const notUsed = () => Promise.reject(new Error('assembly opens no models'));
  return { session, paths, models: { model: notUsed, forCondition: notUsed }, options: { retryErrors: false, strict: false }, signal: new AbortController().signal, now: Date.now };
}

/** Source `id`'s answers as the generate step keys them; `skip` ids get no row, `errors` an error row. */
function writeAnswers(ctx: StepContext, id: string, opts: { skip?: string[]; errors?: string[]; examples?: Example[]; tag?: string } = {}): void {
  const entry = ctx.session.models.find((m) => m.id === id)!;
  const paramsHash = paramsHashOf(entry);
  const rows: SyntheticRecord[] = (opts.examples ?? train)
    .filter((e) => !opts.skip?.includes(e.id))
    .map((e) => {
      const base = { key: answerKeyIn(ctx.session.seed, id, e, 0, paramsHash), source: id, exampleId: e.id, sample: 0, paramsHash, seed: answerSeed(ctx.session.seed, id, e.id, 0), t: 1 };
      return opts.errors?.includes(e.id) ? { ...base, error: 'HTTP 500' } : { ...base, response: `${opts.tag ?? id} answers ${e.id}` };
    });
  writeFileAtomic(ctx.paths.synthetic(id), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

async function run(step: Step, ctx: StepContext): Promise<StepEvent[]> {
  const events: StepEvent[] = [];
  for await (const e of step(ctx)) events.push(e);
  return events;
}

const dataset = (ctx: StepContext, name: string) =>
  readFileSync(ctx.paths.dataset(name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrainingExample);
const originCounts = (rows: TrainingExample[]) => rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.origin]: (acc[r.origin] ?? 0) + 1 }), {});
const manifest = (ctx: StepContext, name: string) => JSON.parse(readFileSync(ctx.paths.dataset(name).replace(/\.jsonl$/, '.manifest.json'), 'utf8'));

describe('apportion', () => {
  it('splits slots by weight with largest remainders, always summing to the total', () => {
    expect(apportion(30, [1, 1, 1])).toEqual([10, 10, 10]);
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(30, [2, 1])).toEqual([20, 10]);
    expect(apportion(7, [2, 1])).toEqual([5, 2]);
    expect(apportion(0, [1, 1])).toEqual([0, 0]);
  });
});

describe('assembling condition datasets', () => {
  const conditions: SessionInput['conditions'] = [
    { name: 't/human', target: 't', kind: 'human' },
    { name: 't/single', target: 't', kind: 'single' },
    { name: 't/multi', target: 't', kind: 'multi' },
    { name: 't/mix', target: 't', kind: 'mix', sources: [{ model: 'a', weight: 2 }, { model: 'b', weight: 1 }] },
  ];

  it('single from the own family, multi in equal shares with the same size and instructions, a 2:1 mix', async () => {
    const ctx = makeContext(conditions);
    for (const s of ['a', 'b', 'c']) writeAnswers(ctx, s);
    const events = await run(assembleStep, ctx);
    expect(events.at(-1)).toMatchObject({ type: 'summary', text: '4 datasets: t/human 30, t/single 30, t/multi 30, t/mix 30' });

    const human = dataset(ctx, 't/human');
    expect(human.every((r) => r.origin === 'human' && r.response === train.find((e) => e.id === r.exampleId)!.response)).toBe(true);

    const single = dataset(ctx, 't/single');
    expect(originCounts(single)).toEqual({ a: 30 });
    expect(single.every((r) => r.response === `a answers ${r.exampleId}`)).toBe(true);

    const multi = dataset(ctx, 't/multi');
    expect(originCounts(multi)).toEqual({ a: 10, b: 10, c: 10 });
    // The same instructions as single, each once: conditions differ only in who answered.
    expect(new Set(multi.map((r) => r.exampleId))).toEqual(new Set(single.map((r) => r.exampleId)));
    expect(multi.every((r) => r.response === `${r.origin} answers ${r.exampleId}`)).toBe(true);

    expect(originCounts(dataset(ctx, 't/mix'))).toEqual({ a: 20, b: 10 });
    expect(manifest(ctx, 't/mix')).toMatchObject({ examples: 30, counts: { a: 20, b: 10 }, missing: { a: 0, b: 0 } });
  });

  it('leaves out, counts and warns about a source with missing answers and error rows', async () => {
    const ctx = makeContext([{ name: 't/multi', target: 't', kind: 'multi' }]);
    writeAnswers(ctx, 'a');
    writeAnswers(ctx, 'c');
    const bSlice = () => dataset(ctx, 't/multi').filter((r) => r.origin === 'b').map((r) => r.exampleId);
    writeAnswers(ctx, 'b');
    await run(assembleStep, ctx);
    const [gone, failed, ...kept] = bSlice();
    writeAnswers(ctx, 'b', { skip: [gone], errors: [failed] });
    const events = await run(assembleStep, ctx);
    const rows = dataset(ctx, 't/multi');
    expect(originCounts(rows)).toEqual({ a: 10, b: 8, c: 10 });
    expect(rows.filter((r) => r.origin === 'b').map((r) => r.exampleId)).toEqual(kept);
    expect(manifest(ctx, 't/multi').missing).toEqual({ a: 0, b: 2, c: 0 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', level: 'warn', message: expect.stringMatching(/^t\/multi: 2 answers missing from b — run the generate step/) }));
  });

  it('does not take an answer written for an earlier text of the same instruction id', async () => {
    const ctx = makeContext([{ name: 't/single', target: 't', kind: 'single' }]);
    // Answers to an older version of the dataset: same ids (line numbers), other instructions.
    writeAnswers(ctx, 'a', { examples: train.map((e) => ({ ...e, instruction: `${e.instruction} (old wording)` })) });
    await expect(run(assembleStep, ctx)).rejects.toThrow(/t\/single: the assembled dataset is empty — run the generate step first/);
  });
});

describe('train after source outputs changed (--steps generate,train, no assemble)', () => {
  useBuiltinCache('baskets-assemble');

  it('re-assembles the dataset from the current outputs before training on it', async () => {
    const ctx = makeContext([{ name: 't/single', target: 't', kind: 'single' }]);
    const missing = train.slice(0, 12).map((e) => e.id);
    writeAnswers(ctx, 'a', { skip: missing });
    await run(assembleStep, ctx);
    expect(dataset(ctx, 't/single')).toHaveLength(18);

    // The generate step then fills the gaps and rewrites other answers, but assemble does not run.
    writeAnswers(ctx, 'a', { tag: 'regenerated' });
    const events = await run(trainStep, ctx);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'log', message: expect.stringMatching(/^t\/single: its source outputs changed since it was assembled; re-assembled .+ \(30 examples\)$/) }),
    );
    const rows = dataset(ctx, 't/single');
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.response === `regenerated answers ${r.exampleId}`)).toBe(true);
    expect(readTrainedModel(ctx.paths.runDir('t/single'))?.trainedOn?.dataset).toBe(sha256(readFileSync(ctx.paths.dataset('t/single'))));

    // Nothing changed since: no re-assembly, and the trained run is kept.
    const again = await run(trainStep, ctx);
    expect(again.some((e) => e.type === 'log' && /re-assembled/.test(e.message))).toBe(false);
    expect(again.at(-1)).toMatchObject({ type: 'summary', text: expect.stringMatching(/already done/) });
  }, 120_000);

  it('keeps a dataset edited by hand after its assembly, and says so', async () => {
    const ctx = makeContext([{ name: 't/single', target: 't', kind: 'single' }]);
    writeAnswers(ctx, 'a');
    await run(assembleStep, ctx);
    const file = ctx.paths.dataset('t/single');
    const edited = readFileSync(file, 'utf8').trimEnd().split('\n').slice(0, 20).join('\n') + '\n';
    writeFileAtomic(file, edited);
    writeAnswers(ctx, 'a', { tag: 'regenerated' });
    const events = await run(trainStep, ctx);
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', level: 'warn', message: expect.stringMatching(/^t\/single: .+ was edited after it was assembled, so it is trained on as it is — run the assemble step to rebuild it$/) }));
    expect(readFileSync(file, 'utf8')).toBe(edited);
  }, 120_000);
});
