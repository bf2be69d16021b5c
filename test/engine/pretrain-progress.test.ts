import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSession } from '../../src/pipeline/runner.js';
import { createModelResolver } from '../../src/pipeline/models.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { readJsonlAll } from '../../src/util/jsonl.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import type { RunEvent } from '../../src/domain/events.js';
import type { Step } from '../../src/pipeline/step.js';
import { clearLoadedBases } from '../../src/engines/builtin/pretrain.js';

/**
 * A builtin base pretrains on first use, for seconds: the step that opens it must say so and
 * show progress, rather than sit silent. The resolver reads the cache dir from BASKETS_CACHE_DIR.
 */

const BASE = 'founders-small';
const previousCacheDir = process.env.BASKETS_CACHE_DIR;
beforeAll(() => {
  process.env.BASKETS_CACHE_DIR = mkdtempSync(join(tmpdir(), 'baskets-progress-cache-'));
});
afterAll(() => {
  if (previousCacheDir === undefined) delete process.env.BASKETS_CACHE_DIR;
  else process.env.BASKETS_CACHE_DIR = previousCacheDir;
});

function setup() {
  const store = new SessionStore(mkdtempSync(join(tmpdir(), 'baskets-progress-sessions-')));
  store.create({
    version: 1,
    name: 's',
    createdAt: 'now',
    data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
    models: [{ id: 'm', family: 'founders', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: BASE } }],
  });
  return store;
}

describe('pretraining progress', () => {
  it('reaches the events of the step that opens the model, once per first use', async () => {
    const store = setup();
    let opened = 0;
    const opening: Step = async function* (ctx) {
      await ctx.models.model('m');
      opened++;
      yield { type: 'summary', text: 'opened' };
    };
    const seen: RunEvent[] = [];
    const outcome = await runSession({
      store,
      name: 's',
      steps: ['generate'],
      registry: { generate: opening },
      models: (ctx, report) => createModelResolver(ctx.session, ctx.paths, { signal: ctx.signal, report }),
      onEvent: (e) => seen.push(e),
    });
    expect(outcome).toBe('done');
    expect(opened).toBe(1);
    const logged = await readJsonlAll<RunEvent>(sessionPaths(store.dir('s')).events);
    const progress = logged.filter((e): e is Extract<RunEvent, { type: 'progress' }> => e.type === 'progress');
    const logs = logged.filter((e): e is Extract<RunEvent, { type: 'log' }> => e.type === 'log');
    // Every such event belongs to the step, between its start and its finish.
    const start = logged.findIndex((e) => e.type === 'step-start');
    const finish = logged.findIndex((e) => e.type === 'step-finish');
    for (const e of [...progress, ...logs]) {
      expect(e.step).toBe('generate');
      expect(logged.indexOf(e)).toBeGreaterThan(start);
      expect(logged.indexOf(e)).toBeLessThan(finish);
    }
    expect(logs.map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^first use of founders-small: founders: training tokenizer/), expect.stringMatching(/founders-small: counting 3-grams/)]),
    );
    const counting = progress.filter((e) => e.unit === 'documents');
    expect(counting.length).toBeGreaterThan(1);
    expect(new Set(progress.map((e) => e.task))).toEqual(new Set([`pretraining ${BASE}`]));
    expect(counting.at(-1)!.done).toBe(counting.at(-1)!.total);
    expect(seen).toEqual(logged);
  });

  it('a second caller joining a load under way gets its progress too, and a cached base reports nothing', async () => {
    clearLoadedBases();
    process.env.BASKETS_CACHE_DIR = mkdtempSync(join(tmpdir(), 'baskets-progress-cache-'));
    const store = setup();
    const session = store.load('s');
    const paths = sessionPaths(store.dir('s'));
    const first: string[] = [];
    const second: string[] = [];
    const a = createModelResolver(session, paths, { report: (e) => first.push(e.type) });
    const b = createModelResolver(session, paths, { report: (e) => second.push(e.type) });
    await Promise.all([a.model('m'), b.model('m')]);
    expect(first).toContain('progress');
    expect(second).toContain('progress');

    clearLoadedBases();
    const cached: string[] = [];
    await createModelResolver(session, paths, { report: (e) => cached.push(e.type) }).model('m');
    expect(cached).toEqual([]);
  });
});
