import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinInstructionSet } from '../../src/engines/builtin/index.js';
import type { StepEvent } from '../../src/domain/events.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { Session } from '../../src/domain/session.js';
import type { StepContext } from '../../src/pipeline/step.js';
import { createTrainStep } from '../../src/pipeline/steps/train.js';

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A session training a builtin target on 40 human examples, with its dataset assembled. */
function context(): StepContext {
  const session = Session.parse({
    version: 1,
    name: 'pretraining',
    createdAt: '2026-12-01T00:00:00Z',
    data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
    models: [{ id: 'ms', family: 'modern', size: 'small', roles: ['target'], engine: { engine: 'builtin', base: 'modern-small' } }],
    conditions: [{ name: 'ms/human', target: 'ms', kind: 'human' }],
  });
  const paths = sessionPaths(tempDir('baskets-pretrain-session-'));
  const rows = builtinInstructionSet()
    .slice(0, 40)
    .map((e) => JSON.stringify({ exampleId: e.id, origin: 'human', instruction: e.instruction, context: e.context, response: e.response }));
  mkdirSync(join(paths.dir, 'datasets'), { recursive: true });
  writeFileSync(paths.dataset('ms/human'), rows.join('\n') + '\n');
  const notUsed = () => Promise.reject(new Error('the train step opens no models'));
  return { session, paths, models: { model: notUsed, forCondition: notUsed }, options: { retryErrors: false, strict: false }, signal: new AbortController().signal, now: Date.now };
}

describe('train step on a builtin base that was never opened', () => {
  it('streams the pretraining progress as its own task while it runs, then trains', async () => {
    const cacheDir = tempDir('baskets-pretrain-cache-');
    const step = createTrainStep({ builtin: { cacheDir } });
    const events: StepEvent[] = [];
    let packWhenFirstProgress: boolean | undefined;
    for await (const e of step(context())) {
      if (e.type === 'progress' && e.task === 'pretraining modern-small' && packWhenFirstProgress === undefined) {
        packWhenFirstProgress = existsSync(join(cacheDir, 'modern-small.pack'));
      }
      events.push(e);
    }
    // Shown while the base pretrains (its cache file is written at the end), not after the fact.
    expect(packWhenFirstProgress).toBe(false);

    const firstMetrics = events.findIndex((e) => e.type === 'train-metrics');
    expect(firstMetrics).toBeGreaterThan(0);
    const before = events.slice(0, firstMetrics);
    const phases = before.flatMap((e) => (e.type === 'log' && e.message.startsWith('first use of modern-small: ') ? [e.message] : []));
    expect(phases.length).toBeGreaterThan(1);
    expect(phases.every((m) => m.endsWith('(pretraining, cached afterwards)'))).toBe(true);
    expect(new Set(phases).size).toBe(phases.length);
    const counting = before.flatMap((e) => (e.type === 'progress' && e.task === 'pretraining modern-small' && e.unit === 'documents' ? [e] : []));
    expect(counting.length).toBeGreaterThan(1);
    expect(counting.at(-1)!.done).toBe(counting.at(-1)!.total);
    expect(events.slice(firstMetrics).some((e) => e.type === 'progress' && e.task.startsWith('pretraining'))).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'summary', text: expect.stringMatching(/^trained 1 · ms\/human loss/) });
    expect(existsSync(join(cacheDir, 'modern-small.pack'))).toBe(true);
  });

  it('says nothing about pretraining when the base is already cached', async () => {
    const events: StepEvent[] = [];
    const cacheDir = tempDir('baskets-pretrain-cache-');
    for await (const e of createTrainStep({ builtin: { cacheDir } })(context())) void e;
    for await (const e of createTrainStep({ builtin: { cacheDir } })(context())) events.push(e);
    expect(events.some((e) => e.type === 'train-metrics')).toBe(true);
    expect(events.some((e) => (e.type === 'progress' && e.task.startsWith('pretraining')) || (e.type === 'log' && e.message.startsWith('first use')))).toBe(false);
  });
});
