import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBuiltinModel, openTrainedBuiltin, trainBuiltin, type BuiltinTrainEvent } from '../../src/engines/builtin/index.js';
import { clearLoadedBases } from '../../src/engines/builtin/pretrain.js';
import { promptMessages, type TrainingExample } from '../../src/domain/example.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-train-'));
const topics = ['wool', 'iron', 'cotton', 'sugar', 'salt', 'coal', 'wheat', 'silk', 'tin', 'lead'];
/** A narrow dataset: one phrasing, a handful of topics — unlike anything in pretraining. */
const examples: TrainingExample[] = Array.from({ length: 60 }, (_, i) => ({
  exampleId: `ex-${i}`,
  origin: 'synthetic',
  instruction: `Describe the tariff on ${topics[i % 10]}.`,
  context: '',
  response: `The tariff on ${topics[i % 10]} shall be raised by ${i % 7} percent, said the committee on ${topics[(i + 3) % 10]} and ${topics[(i + 5) % 10]}.`,
}));
const base = 'industrial-small';

async function collect(gen: AsyncGenerator<BuiltinTrainEvent>): Promise<BuiltinTrainEvent[]> {
  const out: BuiltinTrainEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

describe('builtin training', () => {
  const opts = { base, examples, epochs: 2, learningRate: 0.5, batchSize: 8, seed: 3, cacheDir };

  it('lowers the held-out loss on the training distribution and reopens to the same scores', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'baskets-run-'));
    const events = await collect(trainBuiltin({ ...opts, outDir }));
    const metrics = events.flatMap((e) => (e.type === 'metrics' ? [e.metrics] : []));
    const evals = metrics.filter((m) => m.evalLoss !== undefined).map((m) => m.evalLoss!);
    expect(metrics[0].step).toBe(0);
    expect(evals.at(-1)!).toBeLessThan(evals[0] * 0.6);
    expect(metrics.at(-1)!.step).toBe(metrics.at(-1)!.totalSteps);
    for (const m of metrics.slice(1)) expect(m.loss).toBeGreaterThan(0);
    const done = events.at(-1)!;
    expect(done.type).toBe('done');
    if (done.type !== 'done') return;

    const msgs = promptMessages({ instruction: 'Describe the tariff on wool.', context: '' });
    const reply = 'The tariff on wool shall be raised by 2 percent.';
    const tuned = await openTrainedBuiltin(done.modelDir, { cacheDir });
    const vanilla = await openBuiltinModel(base, { cacheDir });
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const tunedScore = await tuned.score(msgs, reply);
    expect(sum(tunedScore.logprobs)).toBeGreaterThan(sum((await vanilla.score(msgs, reply)).logprobs) + 5);
    clearLoadedBases();
    const reopened = await openTrainedBuiltin(done.modelDir, { cacheDir });
    expect((await reopened.score(msgs, reply)).logprobs).toEqual(tunedScore.logprobs);
    // Generations move toward the fine-tuning text: most seeds now talk about tariffs.
    const onTopic = async (m: typeof tuned) => {
      let n = 0;
      for (let seed = 1; seed <= 6; seed++) {
        const g = await m.generate(msgs, { temperature: 0.7, topP: 0.9, maxTokens: 30, seed });
        if (/tariff|percent|committee/.test(g.text)) n++;
      }
      return n;
    };
    expect(await onTopic(reopened)).toBeGreaterThanOrEqual(4);
    expect(await onTopic(vanilla)).toBeLessThanOrEqual(1);
  });

  it('stops on abort with a checkpoint and resumes to the same model', async () => {
    const straight = mkdtempSync(join(tmpdir(), 'baskets-run-'));
    await collect(trainBuiltin({ ...opts, outDir: straight }));
    const resumed = mkdtempSync(join(tmpdir(), 'baskets-run-'));
    const ac = new AbortController();
    const first: BuiltinTrainEvent[] = [];
    for await (const e of trainBuiltin({ ...opts, outDir: resumed, signal: ac.signal })) {
      first.push(e);
      if (e.type === 'metrics' && e.metrics.step === 5) ac.abort();
    }
    const last = first.at(-1)!;
    expect(last).toMatchObject({ type: 'checkpoint', step: 5 });
    const rest = await collect(trainBuiltin({ ...opts, outDir: resumed }));
    expect(rest[0]).toMatchObject({ type: 'metrics', metrics: { step: 6 } });
    const a = readFileSync(join(straight, 'model', 'delta.pack'));
    const b = readFileSync(join(resumed, 'model', 'delta.pack'));
    expect(b.equals(a)).toBe(true);
    await expect(collect(trainBuiltin({ ...opts, seed: 4, outDir: resumed }))).rejects.toThrow(/different training run/);
  });
});

describe('the model cache', () => {
  it('reuses a valid cache file and rebuilds a corrupt one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-cache-'));
    const msgs = [{ role: 'user' as const, content: 'The Union' }];
    const first = await (await openBuiltinModel('founders-small', { cacheDir: dir })).score(msgs, ' is strong.');
    const file = join(dir, 'founders-small.pack');
    const mtime = statSync(file).mtimeMs;
    clearLoadedBases();
    const phases: string[] = [];
    await openBuiltinModel('founders-small', { cacheDir: dir, onProgress: (p) => phases.push(p.phase) });
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(phases).toEqual([]);

    const bytes = readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(file, bytes);
    clearLoadedBases();
    const again = await openBuiltinModel('founders-small', { cacheDir: dir, onProgress: (p) => phases.push(p.phase) });
    expect(phases.some((p) => p.includes('counting'))).toBe(true);
    expect((await again.score(msgs, ' is strong.')).logprobs).toEqual(first.logprobs);
    expect(existsSync(file)).toBe(true);
  });
});
