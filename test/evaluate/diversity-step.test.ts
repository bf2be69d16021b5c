import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/domain/events.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { readResult } from '../../src/pipeline/results.js';
import { Session, type SessionInput, type StepId } from '../../src/domain/session.js';
import { withinSelfBleuScores } from '../../src/pipeline/evaluation/diversity-metrics.js';
import { evaluationFiles } from '../../src/pipeline/evaluation/files.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { readJsonlAll } from '../../src/util/jsonl.js';
import { useBuiltinCache } from '../helpers/tmp.js';
import { runStudy, smallBuiltinStudy } from '../helpers/study.js';

// One pretraining cache for the whole file: the builtin bases are built once.
const dirs = useBuiltinCache('baskets-div');

const session = (name: string, embedder: string): SessionInput =>
  smallBuiltinStudy(name, { evaluation: { answers: 6, perplexity: false, diversity: { embedder }, safety: { enabled: false }, preference: { enabled: false } } });

const run = (store: SessionStore, name: string, steps: StepId[] = ['data', 'answer', 'diversity'], onEvent?: (e: RunEvent, cancel: () => void) => void) => runStudy(store, name, steps, onEvent);

/** The diversity step's progress events of `task`, as "unit done/total". */
const progressOf = (events: RunEvent[], task: string) =>
  events.flatMap((e) => (e.type === 'progress' && e.step === 'diversity' && e.task === task ? [`${e.unit} ${e.done}/${e.total}`] : []));

/** The phases the diversity worker computes for one condition (embedding is the keyed step before them). */
const CONDITION_PHASES = ['within-response Self-BLEU', 'lexical metrics', 'cosine-distance resamples', 'Vendi similarity rows', 'Vendi eigen-reduction columns'];
const computedPhases = (events: RunEvent[], task: string) => [...new Set(progressOf(events, task).map((p) => p.replace(/ \d+\/\d+$/, '')))].filter((u) => u !== 'embeddings');

describe('evaluation.diversity settings', () => {
  it('reads the older boolean form and defaults to the builtin embedder', () => {
    const base = { version: 1, name: 'x', createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } } as const;
    expect(Session.parse(base).evaluation.diversity).toEqual({ enabled: true, embedder: 'builtin' });
    expect(Session.parse({ ...base, evaluation: { diversity: false } }).evaluation.diversity).toEqual({ enabled: false, embedder: 'builtin' });
    expect(Session.safeParse({ ...base, evaluation: { diversity: { embeder: 'fs' } } }).success).toBe(false);
  });
});

describe('the diversity step with one session embedder', () => {
  let store: SessionStore;
  beforeAll(() => {
    store = new SessionStore(dirs.root());
  });

  it('embeds every condition with the chosen session model, records it, and compares conditions pairwise', async () => {
    store.create(session('chosen', 'ms'));
    const { outcome, events } = await run(store, 'chosen');
    const failed = events.find((e) => e.type === 'step-finish' && e.status !== 'done');
    expect(failed, JSON.stringify(failed)).toBeUndefined();
    expect(outcome).toBe('done');
    const r = readResult(sessionPaths(store.dir('chosen')), 'diversity')!;
    expect(r.embedder).toEqual({ id: 'ms', kind: 'session' });
    // No source has generated yet: there is no synthetic data to describe.
    expect(r.sources).toEqual([]);
    for (const m of r.models) {
      expect(m.semantic).toMatchObject({ embedder: 'ms', embedderKind: 'session', vectors: 6 });
      const d = m.semantic!.meanCosineDistance;
      expect(d.n).toBe(6);
      expect(d.lo!).toBeLessThanOrEqual(d.value!);
      expect(d.hi!).toBeGreaterThanOrEqual(d.value!);
    }
    // The two conditions answer the same test items (their own seeds): compared item by item.
    const paths = sessionPaths(store.dir('chosen'));
    const perItem = async (condition: string) => {
      const rows = await readJsonlAll<{ exampleId: string; response?: string }>(paths.answers(condition));
      const scores = withinSelfBleuScores(rows.map((x) => x.response ?? ''));
      return new Map(rows.flatMap((x, i) => (scores[i] === null ? [] : [[x.exampleId, 100 - scores[i]!] as const])));
    };
    const [a, b] = [await perItem('fs/vanilla'), await perItem('fs/vanilla-b')];
    const shared = [...a.keys()].filter((id) => b.has(id));
    expect(shared.length).toBeGreaterThan(0);
    expect(r.lexicalDiversityComparisons).toHaveLength(1);
    const c = r.lexicalDiversityComparisons![0];
    expect(c).toMatchObject({ target: 'fs', a: 'fs/vanilla', b: 'fs/vanilla-b', diff: { n: shared.length } });
    expect(c.diff.value).toBeCloseTo(shared.reduce((s, id) => s + a.get(id)! - b.get(id)!, 0) / shared.length, 10);
    expect(c.diff.lo!).toBeLessThanOrEqual(c.diff.value!);
    expect(c.diff.hi!).toBeGreaterThanOrEqual(c.diff.value!);
    // (k + 1) / (R + 1): a bootstrap p is never 0.
    expect(c.p!).toBeGreaterThan(0);
    expect(c.p!).toBeLessThanOrEqual(1);
    // Mean cosine distance is not a mean over items: the pair is resampled as a whole, on the items both embedded.
    expect(r.semanticComparisons).toHaveLength(1);
    const cosine = r.semanticComparisons![0];
    const [va, vb] = ['fs/vanilla', 'fs/vanilla-b'].map((name) => r.models.find((m) => m.condition === name)!.semantic!.meanCosineDistance.value!);
    expect(cosine).toMatchObject({ target: 'fs', a: 'fs/vanilla', b: 'fs/vanilla-b', diff: { n: 6 } });
    expect(cosine.diff.value).toBeCloseTo(va - vb, 12);
    expect(cosine.diff.lo!).toBeLessThanOrEqual(cosine.diff.value!);
    expect(cosine.diff.hi!).toBeGreaterThanOrEqual(cosine.diff.value!);
  }, 240_000);

  it("reports the paper's lexical diversity of each source's synthetic data, and the mix each condition trained on", async () => {
    const conditions = [
      { name: 'fs/single', target: 'fs', kind: 'single' as const },
      { name: 'fs/multi', target: 'fs', kind: 'multi' as const },
    ];
    store.create({ ...session('sources', 'builtin'), conditions });
    const { outcome } = await run(store, 'sources', ['data', 'generate', 'assemble', 'train', 'answer', 'diversity']);
    expect(outcome).toBe('done');
    const paths = sessionPaths(store.dir('sources'));
    const r = readResult(paths, 'diversity')!;
    expect(r.models.map((m) => [m.condition, m.mix])).toEqual([
      ['fs/single', [{ source: 'fs', weight: 1 }]],
      ['fs/multi', [{ source: 'fs', weight: 1 }, { source: 'ms', weight: 1 }]],
    ]);
    expect(r.sources!.map((s) => [s.source, s.family, s.size])).toEqual([
      ['fs', 'founders', 'small'],
      ['ms', 'modern', 'small'],
    ]);
    for (const s of r.sources!) {
      const texts = (await readJsonlAll<{ response?: string }>(paths.synthetic(s.source))).map((x) => x.response ?? '');
      expect(s.responses).toBe(texts.length);
      // Under the paper's sample of 500 every response counts: the value is the mean over those scored.
      const scored = withinSelfBleuScores(texts).filter((x): x is number => x !== null);
      expect(scored.length).toBeGreaterThan(0);
      const d = s.lexicalDiversity;
      expect(d.value).toBeCloseTo(scored.reduce((a, x) => a + 100 - x, 0) / scored.length, 10);
      expect(d.lo!).toBeLessThanOrEqual(d.value!);
      expect(d.hi!).toBeGreaterThanOrEqual(d.value!);
    }
  }, 240_000);

  it('reports every phase, honours a cancel in the middle of one, and on resume computes only what was not finished, with the same results', async () => {
    store.create(session('resume', 'ms'));
    expect((await run(store, 'resume', ['data', 'answer'])).outcome).toBe('done');
    const paths = sessionPaths(store.dir('resume'));
    const files = evaluationFiles(paths);
    const conditions = ['fs/vanilla', 'fs/vanilla-b'];
    // Cancelled as the second condition's cosine-distance bootstrap reports its first resamples;
    // the first, on another thread or before it, may or may not have finished by then.
    const cancelled = await run(store, 'resume', ['diversity'], (e, abort) => {
      if (e.type === 'progress' && e.task === 'fs/vanilla-b' && e.unit === 'cosine-distance resamples') abort();
    });
    expect(cancelled.outcome).toBe('cancelled');
    expect(cancelled.events.find((e) => e.type === 'step-finish')).toMatchObject({ step: 'diversity', status: 'cancelled' });
    // Nothing after the cancel: the second condition stopped in its bootstrap, and no comparison began.
    expect(computedPhases(cancelled.events, 'fs/vanilla-b')).toEqual(CONDITION_PHASES.slice(0, 3));
    expect(existsSync(files.diversity('fs/vanilla-b'))).toBe(false);
    expect(progressOf(cancelled.events, 'comparisons fs')).toEqual([]);
    expect(readResult(paths, 'diversity')).toBeNull();
    const keptBefore = conditions.filter((c) => existsSync(files.diversity(c)));

    // The resume computes what was not finished, every phase to its end with its total known up
    // front, and takes what was finished as it was.
    const resumed = await run(store, 'resume', ['diversity']);
    expect(resumed.outcome).toBe('done');
    for (const c of conditions) {
      if (keptBefore.includes(c)) {
        expect(computedPhases(resumed.events, c), c).toEqual([]);
        continue;
      }
      expect(computedPhases(resumed.events, c), c).toEqual(CONDITION_PHASES);
      const reports = progressOf(resumed.events, c);
      for (const phase of CONDITION_PHASES) {
        const counts = reports.filter((p) => p.startsWith(`${phase} `)).map((p) => p.slice(phase.length + 1).split('/').map(Number));
        expect(counts.at(-1)![0], phase).toBe(counts.at(-1)![1]);
        expect(new Set(counts.map(([, total]) => total)).size, phase).toBe(1);
      }
    }
    expect(computedPhases(resumed.events, 'comparisons fs')).toEqual(['lexical-diversity pairs', 'cosine-distance resamples of fs']);
    const result = readFileSync(paths.result('diversity'), 'utf8');

    // A finished step is not run again: nothing is computed and the result stays as written.
    const again = await run(store, 'resume', ['diversity']);
    expect(again.outcome).toBe('done');
    expect(again.events.filter((e) => e.type === 'progress' && e.unit !== 'embeddings')).toEqual([]);
    expect(readFileSync(paths.result('diversity'), 'utf8')).toBe(result);

    // With the step's result and one condition's gone, only that condition is computed again.
    rmSync(paths.result('diversity'));
    rmSync(files.diversity('fs/vanilla'));
    const partly = await run(store, 'resume', ['diversity']);
    expect(partly.outcome).toBe('done');
    expect(computedPhases(partly.events, 'fs/vanilla')).toEqual(CONDITION_PHASES);
    expect(computedPhases(partly.events, 'fs/vanilla-b')).toEqual([]);
    const { createdAt: _p, ...partlyResult } = readResult(paths, 'diversity')!;

    // Computed from scratch in one go, every number is the same.
    rmSync(join(store.dir('resume'), 'diversity'), { recursive: true });
    expect((await run(store, 'resume', ['diversity'])).outcome).toBe('done');
    const { createdAt: _a, ...fresh } = readResult(paths, 'diversity')!;
    const { createdAt: _b, ...kept } = JSON.parse(result);
    expect(fresh).toEqual(kept);
    expect(partlyResult).toEqual(kept);
  }, 240_000);

  it('refuses an embedder that is not a model of the session, in one line saying what to set', async () => {
    store.create(session('unknown', 'nope'));
    // Before the run starts: nothing is answered only to fail at the diversity step.
    await expect(run(store, 'unknown')).rejects.toThrow('evaluation.diversity.embedder "nope" is not a model of this session: use one of its model ids or "builtin"');
  }, 240_000);
});
