import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { appendTrainMetrics, readTrainMetrics } from '../../src/trainers/metrics-file.js';
import { mergeCurves, seriesOf } from '../../src/ui/train-curves.js';
import { renderApp, tempSessionsDir } from './render.js';

describe('training curves kept in the run folder', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => (tmp = tempSessionsDir()));
  afterEach(() => tmp.cleanup());

  it('reads back what a trainer appended, and keeps the later record of a step logged twice by a resume', async () => {
    const runDir = `${tmp.dir}/runs/t__human`;
    appendTrainMetrics(runDir, { step: 0, totalSteps: 3, evalLoss: 3.1 });
    appendTrainMetrics(runDir, { step: 1, totalSteps: 3, loss: 3, learningRate: 0.5 });
    appendTrainMetrics(runDir, { step: 2, totalSteps: 3, loss: 2.9 });
    // Cancelled after step 2, resumed from the checkpoint at step 1.
    appendTrainMetrics(runDir, { step: 2, totalSteps: 3, loss: 2.8 });
    appendTrainMetrics(runDir, { step: 3, totalSteps: 3, loss: 2.6, evalLoss: 2.7 });
    const metrics = await readTrainMetrics(runDir);
    expect(metrics.map((m) => [m.step, m.loss ?? null])).toEqual([[0, null], [1, 3], [2, 2.9], [2, 2.8], [3, 2.6]]);
    const series = seriesOf(metrics)!;
    expect(series.train).toEqual([[1, 3], [2, 2.8], [3, 2.6]]);
    expect(series.eval).toEqual([[0, 3.1], [3, 2.7]]);
    expect(series.last).toMatchObject({ step: 3, totalSteps: 3, loss: 2.6, evalLoss: 2.7, learningRate: 0.5 });
    expect(await readTrainMetrics(`${tmp.dir}/runs/none`)).toEqual([]);
  });

  it('lays the live run over the curve on disk, in the session order', () => {
    const disk = { a: seriesOf([{ step: 1, totalSteps: 4, loss: 3 }, { step: 2, totalSteps: 4, loss: 2.5 }])!, b: seriesOf([{ step: 9, totalSteps: 9, loss: 1 }])! };
    const live = { a: { train: [[2, 2.4], [3, 2.2]] as [number, number][], eval: [], last: { step: 3, totalSteps: 4, loss: 2.2 }, lastT: 5 } };
    const merged = mergeCurves(['b', 'a'], disk, live);
    expect(Object.keys(merged)).toEqual(['b', 'a']);
    expect(merged.a.train).toEqual([[1, 3], [2, 2.4], [3, 2.2]]);
    expect(merged.a.last.step).toBe(3);
    expect(merged.b).toBe(disk.b);
  });
});

describe('Run notebook: picking a condition\'s training curve', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => (tmp = tempSessionsDir()));
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('shows the curves of runs a resume skipped, read from their run folders, and ] [ pick among them', async () => {
    const store = new SessionStore(tmp.dir);
    const target = { id: 'founders-small', family: 'founders', size: 'small', roles: ['source', 'target'], engine: { engine: 'builtin', base: 'founders-small' } };
    store.create({
      version: 1,
      name: 'resumed',
      createdAt: '2026-01-01T00:00:00.000Z',
      data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
      models: [target],
      conditions: [
        { name: 'founders-small/vanilla', target: 'founders-small', kind: 'vanilla' },
        { name: 'founders-small/human', target: 'founders-small', kind: 'human' },
        { name: 'founders-small/single', target: 'founders-small', kind: 'single' },
      ],
    } as Parameters<SessionStore['create']>[0]);
    const paths = sessionPaths(store.dir('resumed'));
    // The first run trained human to the end, then was cancelled; the resume skips it and trains single.
    for (let step = 1; step <= 40; step++) appendTrainMetrics(paths.runDir('founders-small/human'), { step, totalSteps: 40, loss: 4 - step / 20 });
    const t = 1767225600000;
    const events = [
      { t, runId: 'run-2', type: 'run-start', pid: 4242, steps: ['train'] },
      { t: t + 100, runId: 'run-2', type: 'step-start', step: 'train' },
      { t: t + 200, runId: 'run-2', type: 'log', step: 'train', level: 'info', message: 'founders-small/human: already trained, skipped' },
      ...[1, 2, 3, 4, 5].map((step) => ({ t: t + 300 + step, runId: 'run-2', type: 'train-metrics', step: 'train', task: 'founders-small/single', metrics: { step, totalSteps: 50, loss: 5 - step / 10 } })),
    ];
    writeFileSync(paths.events, events.map((e) => JSON.stringify(e)).join('\n') + '\n');

    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'resumed', rows: 40, columns: 120 });
    // The live run is drawn first, told apart from the one on disk.
    await app.waitFor('[2/2] founders-small/single: step 5/50');
    await app.press(']');
    await app.waitFor('[1/2] founders-small/human: step 40/40');
    expect(app.frame()).toMatch(/── train/); // its chart, rebuilt from metrics.jsonl
    await app.press('[');
    await app.waitFor('[2/2] founders-small/single');
    expect(app.frame()).toContain('] curve');
  });
});
