import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/domain/events.js';
import { emptyNotebook, progressLine, reduceNotebook, type NotebookState } from '../../src/pipeline/notebook.js';
import type { StepId } from '../../src/domain/session.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { runStudy, smallBuiltinStudy } from '../helpers/study.js';
import { useBuiltinCache } from '../helpers/tmp.js';

/**
 * Long work through the runner on builtin models: a cell's totals are known before its work
 * starts, and a cancel ends the step as cancelled without losing or doubling anything.
 */

const dirs = useBuiltinCache('baskets-long-work');

// One builtin model (source, target, judge) and two conditions: 2 × (6 test + 4 harmful) answers in 4 tasks.
const study = (name: string) =>
  smallBuiltinStudy(name, {
    models: [{ id: 'fs', family: 'founders', size: 'small', roles: ['source', 'target', 'judge'], engine: { engine: 'builtin', base: 'founders-small' }, generation: { maxTokens: 40 } }],
  });

const run = runStudy;

/** Every answer row of the session, by file. */
function answerRows(store: SessionStore, name: string): { key: string; error?: string }[] {
  const dir = join(store.dir(name), 'answers');
  return readdirSync(dir).flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { key: string; error?: string }),
  );
}

const progressOf = (events: RunEvent[], step: StepId) => events.filter((e): e is Extract<RunEvent, { type: 'progress' }> => e.type === 'progress' && e.step === step);

describe('long work on builtin models', () => {
  let store: SessionStore;
  beforeAll(async () => {
    store = new SessionStore(dirs.root());
    store.create({
      ...study('train'),
      conditions: [
        { name: 'fs/human', target: 'fs', kind: 'human' },
        { name: 'fs/human-b', target: 'fs', kind: 'human' },
      ],
    });
    expect((await run(store, 'train', ['data', 'assemble'])).outcome).toBe('done');
    for (const name of ['totals', 'cancel']) {
      store.create(study(name));
      expect((await run(store, name, ['data'])).outcome).toBe('done');
    }
  }, 240_000);

  it('reports every task of the answer cell with its whole total before any answer is written', { timeout: 240_000 }, async () => {
    const { outcome, events } = await run(store, 'totals', ['answer']);
    expect(outcome).toBe('done');
    const progress = progressOf(events, 'answer');
    const tasks = new Set(progress.map((e) => e.task));
    expect(tasks.size).toBe(4);
    const firstWork = progress.findIndex((e) => e.done > 0);
    expect(firstWork).toBeGreaterThan(0);
    // Before the first answer every task has said its total.
    expect(new Set(progress.slice(0, firstWork).map((e) => e.task))).toEqual(tasks);
    // The notebook's line never changes its totals once work started: "0/4 tasks done · n/20 answers" up to the end.
    let state: NotebookState = emptyNotebook();
    const lines: string[] = [];
    for (const e of events) {
      state = reduceNotebook(state, e);
      if (e.type === 'progress' && events.indexOf(e) >= events.indexOf(progress[firstWork])) lines.push(progressLine(state.cells.answer));
    }
    for (const line of lines) expect(line).toMatch(/^\d\/4 tasks done · \d+\/20 answers$/);
    expect(lines.at(-1)).toBe('4/4 tasks done · 20/20 answers');
  });

  it('puts every judge of the preference cell on it before its answers are written, so its count of tasks never grows', { timeout: 240_000 }, async () => {
    const { outcome, events } = await run(store, 'totals', ['preference']);
    expect(outcome).toBe('done');
    const progress = progressOf(events, 'preference');
    const tasks = new Set(progress.map((e) => e.task));
    // fs answers as a source and judges as a judge-role model (a task of its own), and each condition's model judges.
    expect([...tasks].sort()).toEqual(['fs', 'fs (judge)', 'fs/vanilla', 'fs/vanilla-b']);
    const firstWork = progress.findIndex((e) => e.done > 0);
    expect(new Set(progress.slice(0, firstWork).map((e) => e.task))).toEqual(tasks);
    let state: NotebookState = emptyNotebook();
    for (const e of events) {
      state = reduceNotebook(state, e);
      if (e.type === 'progress' && events.indexOf(e) >= events.indexOf(progress[firstWork])) expect(progressLine(state.cells.preference)).toMatch(/^\d\/4 tasks done/);
    }
  });

  it('ends a cancelled step as cancelled, writes nothing twice, and a resumed run finishes the rest', { timeout: 240_000 }, async () => {
    let rowsAtCancel = -1;
    const first = await run(store, 'cancel', ['answer'], (e, cancel) => {
      if (rowsAtCancel < 0 && e.type === 'progress' && e.step === 'answer' && e.done > 0) {
        rowsAtCancel = answerRows(store, 'cancel').length;
        cancel();
      }
    });
    expect(first.outcome).toBe('cancelled');
    expect(first.events.find((e) => e.type === 'step-finish')).toMatchObject({ step: 'answer', status: 'cancelled' });
    const kept = answerRows(store, 'cancel');
    // No answer starts after the cancel: at most the ones in flight then (2 per task on builtin models) are added.
    expect(kept.length).toBeLessThanOrEqual(rowsAtCancel + 4 * 2);
    expect(kept.length).toBeLessThan(20);
    expect(kept.filter((r) => r.error !== undefined)).toEqual([]);

    const second = await run(store, 'cancel', ['answer']);
    expect(second.outcome).toBe('done');
    // The resumed run starts from what was kept and answers only the rest.
    const starts = new Map<string, number>();
    for (const e of progressOf(second.events, 'answer')) if (!starts.has(e.task)) starts.set(e.task, e.done);
    expect([...starts.values()].reduce((a, b) => a + b, 0)).toBe(kept.length);
    const rows = answerRows(store, 'cancel');
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.key)).size).toBe(20);
  });

  it('counts every training run of the train cell from its start, then each run in its steps', { timeout: 240_000 }, async () => {
    const { outcome, events } = await run(store, 'train', ['train']);
    expect(outcome).toBe('done');
    const progress = progressOf(events, 'train');
    const firstSteps = progress.findIndex((e) => e.unit === 'steps');
    expect(progress.slice(0, firstSteps).map((e) => `${e.task} ${e.done}/${e.total} ${e.unit}`)).toEqual(['fs/human 0/1 runs', 'fs/human-b 0/1 runs']);
    // From the first step trained on, the cell counts both runs.
    let state: NotebookState = emptyNotebook();
    for (const e of events) {
      state = reduceNotebook(state, e);
      if (e.type === 'progress' && events.indexOf(e) >= events.indexOf(progress[firstSteps])) expect(progressLine(state.cells.train)).toMatch(/^\d\/2 tasks done/);
    }
    expect(progressLine(state.cells.train)).toMatch(/^2\/2 tasks done · (\d+)\/\1 steps$/);
    // A second run has nothing to train: both runs count as done from its first events.
    const again = await run(store, 'train', ['train']);
    expect(progressOf(again.events, 'train').map((e) => `${e.task} ${e.done}/${e.total} ${e.unit}`)).toEqual(['fs/human 0/1 runs', 'fs/human-b 0/1 runs', 'fs/human 1/1 runs', 'fs/human-b 1/1 runs']);
  });
});
