import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHfModel, WorkerExitedError, type OpenedHfModel } from '../../src/engines/hf/index.js';
import { stepStopper } from '../../src/engines/openai/errors.js';
import type { ModelEntry } from '../../src/domain/session.js';
import type { RunEvent } from '../../src/domain/events.js';
import { runCli, startCli } from '../cli/cli.js';
import { makeTinyLlama, realPython, type RealPython } from '../helpers/python.js';

/** The hf engine's worker (trainers/hf_worker.py) on real transformers, a tiny random Llama on the CPU. */
const py = realPython(['torch', 'transformers', 'peft']);
const skip = typeof py === 'string' ? py : undefined;
const TITLE = 'the hf engine on real transformers (CPU)';
const HANG_GUARD = 600_000;

const entry = (model: string, extra: Record<string, unknown> = {}): ModelEntry =>
  ({ id: 'tiny', family: 'llama', size: 'small', roles: ['source'], engine: { engine: 'hf', model, device: 'auto', dtype: 'auto', batchSize: 4, ...extra }, generation: { temperature: 0.7, topP: 0.9, maxTokens: 16, samples: 1 } }) as ModelEntry;
const ask = [{ role: 'user' as const, content: 'Say something about the union.' }];

describe.skipIf(skip)(skip ? `${TITLE} — SKIPPED: ${skip}` : TITLE, () => {
  const python = py as RealPython;
  let root: string;
  let model: string;
  let tiny: OpenedHfModel;
  const previousPython = process.env.BASKETS_PYTHON;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'baskets-hf-worker-'));
    model = makeTinyLlama(python, join(root, 'tiny-llama'));
    process.env.BASKETS_PYTHON = python.python;
    tiny = await openHfModel(entry(model));
  }, HANG_GUARD);
  afterAll(async () => {
    await tiny?.close();
    if (previousPython === undefined) delete process.env.BASKETS_PYTHON;
    else process.env.BASKETS_PYTHON = previousPython;
  });

  it('says what the model can do once it is loaded', () => {
    expect([...tiny.capabilities].sort()).toEqual(['embed', 'generate', 'judge', 'rate', 'score', 'tokenize']);
    expect(tiny.contextLength).toBe(512);
    expect(tiny.loaded).toMatchObject({ device: 'cpu', dtype: 'float32', fallback_template: false });
  });

  it('samples each request from its own seed, in batches, within its token budget', async () => {
    const params = { temperature: 1, topP: 0.95, maxTokens: 12 };
    // Four requests at once share batches; equal seeds give equal texts, other seeds others.
    const [a, b, c, d] = await Promise.all([1, 2, 1, 3].map((seed) => tiny.generate(ask, { ...params, seed })));
    expect(a.text).toBe(c.text);
    expect(new Set([a.text, b.text, d.text]).size).toBe(3);
    for (const g of [a, b, c, d]) expect(g).toMatchObject({ finishReason: 'length', completionTokens: 12, promptTokens: expect.any(Number) });
    // Greedy decoding is the same alone as in a batch.
    const greedy = { temperature: 0, topP: 1, maxTokens: 8, seed: 0 };
    const alone = await tiny.generate(ask, greedy);
    const [batched] = await Promise.all([tiny.generate(ask, greedy), tiny.generate([{ role: 'user', content: 'Another, longer request to pad against.' }], greedy)]);
    expect(batched.text).toBe(alone.text);
  });

  it('scores exactly the continuation tokens after the chat prompt', async () => {
    const scored = await tiny.score(ask, 'peace and law');
    expect(scored.tokens).toHaveLength('peace and law'.length); // one byte a token
    expect(scored.logprobs.every((lp) => lp < 0 && Number.isFinite(lp))).toBe(true);
  });

  it('reads a pairwise verdict from the first token over every variant of A and B, and embeds by mean pooling', async () => {
    const judged = await tiny.judgePair('Which is better?', 'peace', 'war');
    expect(judged.method).toBe('logprobs');
    expect(judged.pA! + judged.pB!).toBeCloseTo(1, 12);
    const vectors = await tiny.embed(['peace and law', 'war', 'the union']);
    expect(vectors.map((v) => v.length)).toEqual([32, 32, 32]);
    expect(vectors[0]).not.toEqual(vectors[1]);
  });

  it('refuses in one line a model that cannot load, and a Python without transformers', async () => {
    await expect(openHfModel(entry(join(root, 'no-such-model')))).rejects.toThrow(/^the hf worker for model "tiny" \(.*no-such-model\) exited before its model was loaded \(exit code 1: \w+Error: /);
    const bare = join(root, 'bare-venv');
    spawnSync('python3', ['-m', 'venv', '--without-pip', bare]);
    await expect(openHfModel(entry(model, { python: join(bare, 'bin', 'python') }))).rejects.toThrow(/Python module "torch" is missing: pip install -r trainers\/requirements\.txt/);
  });

  it('turns a worker that dies into one error that stops the step, for every request in flight', async () => {
    const doomed = await openHfModel(entry(model));
    const pending = doomed.generate(ask, { temperature: 1, topP: 1, maxTokens: 400, seed: 1 });
    process.kill(doomed.pid!, 'SIGKILL');
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerExitedError);
    expect((err as Error).message).toMatch(/^the hf worker for model "tiny" .* died \(killed by SIGKILL.*\): run again to resume where it stopped$/);
    expect(stepStopper(err)).toBe(err);
    await expect(doomed.generate(ask, { temperature: 0, topP: 1, maxTokens: 2, seed: 1 })).rejects.toBe(err);
  });

  it('stops a step whose worker is killed in one line, and a rerun resumes with no answer twice', async () => {
    const sessions = join(root, 'sessions');
    mkdirSync(join(sessions, 'kill'), { recursive: true });
    const data = join(root, 'records.jsonl');
    writeFileSync(data, Array.from({ length: 40 }, (_, i) => JSON.stringify({ instruction: `Item ${i}.`, context: '', response: 'ok.' })).join('\n') + '\n');
    const session = {
      version: 1,
      name: 'kill',
      createdAt: '2026-12-06T00:00:00.000Z',
      data: { source: { kind: 'file', path: data }, testFraction: 0.25 },
      models: [{ ...entry(model), generation: { maxTokens: 200 } }],
      conditions: [],
    };
    writeFileSync(join(sessions, 'kill', 'session.json'), JSON.stringify(session));
    const first = startCli(['--sessions', sessions, 'run', 'kill', '--steps', 'data,generate', '--headless', '--json'], python.env);
    await first.waitFor(/"type":"progress","task":"tiny","done":([1-9]|\d\d)\b/, HANG_GUARD);
    const worker = spawnSync('pgrep', ['-f', `hf_worker.py --model=${model}`], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
    for (const pid of worker) process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => first.child.once('close', resolve));
    const failed = first.lines.map((l) => JSON.parse(l) as RunEvent).find((e) => e.type === 'step-finish' && e.step === 'generate');
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/^the hf worker for model "tiny" .* died \(killed by SIGKILL/) });

    const second = runCli(['--sessions', sessions, 'run', 'kill', '--steps', 'generate', '--headless', '--json'], python.env, HANG_GUARD);
    expect(second.code, second.stdout.slice(-2000)).toBe(0);
    const rows = readFileSync(join(sessions, 'kill', 'data', 'synthetic', 'tiny.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; error?: string });
    expect(rows.filter((r) => !r.error)).toHaveLength(30);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  }, HANG_GUARD);
});
