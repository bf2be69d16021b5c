import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPrinter } from '../../src/commands/printer.js';
import type { RunEvent } from '../../src/domain/events.js';
import { applyEvents, cellElapsedMs, emptyNotebook, formatDuration, LOG_CAP, SERIES_CAP, stepLabel, taskEtaSeconds } from '../../src/pipeline/notebook.js';

const recorded = readFileSync(new URL('./fixtures/run-events.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as RunEvent);

const base = { runId: 'r', t: 0 };

describe('notebook reducer', () => {
  it('folds a recorded log into cell states, summaries, series and results', () => {
    const nb = applyEvents(emptyNotebook(), recorded);
    expect(nb.runId).toBe('run-2');
    expect(nb.runStatus).toBe('running');
    expect(nb.seen).toBe(recorded.length);
    expect(Object.fromEntries(Object.entries(nb.cells).map(([k, c]) => [k, c.status]))).toEqual({
      data: 'done', generate: 'done', assemble: 'done', train: 'done', answer: 'running',
      perplexity: 'pending', diversity: 'pending', safety: 'pending', preference: 'pending',
    });
    expect(nb.cells.data.results).toEqual([{ name: 'split', path: 'data/split.json', summary: '348 train / 39 test' }]);
    expect(nb.cells.generate.throughput).toEqual([80.5, 95, 101.2]);
    const loss = nb.cells.train.training['qwen-s/multi'];
    expect(loss.train).toHaveLength(20);
    expect(loss.eval.map(([step]) => step)).toEqual([50, 100, 150, 200]);
    expect(loss.last.step).toBe(200);
    // The re-run of answer superseded its failure: the error belongs to the earlier attempt.
    expect(nb.cells.answer.error).toBeNull();
    expect(Object.keys(nb.cells.answer.tasks)).toEqual(['qwen-s/vanilla', 'qwen-s/multi']);
  });

  it('keeps a failure and its error when the run ends on it', () => {
    const firstRun = recorded.slice(0, recorded.findIndex((e) => e.type === 'run-finish') + 1);
    const nb = applyEvents(emptyNotebook(), firstRun);
    expect(nb.runStatus).toBe('failed');
    expect(nb.cells.answer.status).toBe('failed');
    expect(nb.cells.answer.error).toContain('server unreachable');
  });

  it('marks a cell still running when its run ends as ending with the run', () => {
    const nb = applyEvents(emptyNotebook(), [
      { ...base, type: 'run-start', pid: 1, steps: ['generate'] },
      { ...base, type: 'step-start', step: 'generate' },
      { ...base, t: 500, type: 'run-finish', status: 'cancelled' },
    ]);
    expect(nb.cells.generate.status).toBe('cancelled');
    expect(cellElapsedMs(nb.cells.generate, 10_000)).toBeNull();
  });

  it('estimates time left from the rate seen in this attempt, and restarts it when the count goes back', () => {
    const progress = (t: number, done: number): RunEvent => ({ ...base, t, type: 'progress', step: 'generate', task: 's', done, total: 100, unit: 'answers' });
    let nb = applyEvents(emptyNotebook(), [progress(0, 10)]);
    expect(taskEtaSeconds(nb.cells.generate.tasks.s)).toBeNull();
    nb = applyEvents(nb, [progress(10_000, 30)]);
    expect(taskEtaSeconds(nb.cells.generate.tasks.s)).toBeCloseTo(35);
    nb = applyEvents(nb, [progress(20_000, 5)]);
    expect(nb.cells.generate.tasks.s.firstDone).toBe(5);
    expect(taskEtaSeconds(nb.cells.generate.tasks.s)).toBeNull();
    nb = applyEvents(nb, [progress(21_000, 100)]);
    expect(taskEtaSeconds(nb.cells.generate.tasks.s)).toBe(0);
  });

  it('bounds logs and series with ring buffers', () => {
    const events: RunEvent[] = [];
    for (let i = 0; i < LOG_CAP + 50; i++) events.push({ ...base, t: i, type: 'log', step: 'data', level: 'info', message: `line ${i}` });
    for (let i = 0; i < SERIES_CAP + 10; i++) {
      events.push({ ...base, t: i, type: 'train-metrics', step: 'train', task: 'x', metrics: { step: i, totalSteps: 1000, loss: 1 } });
    }
    const nb = applyEvents(emptyNotebook(), events);
    expect(nb.cells.data.logs).toHaveLength(LOG_CAP);
    expect(nb.cells.data.logs[0].message).toBe('line 50');
    expect(nb.cells.train.training.x.train).toHaveLength(SERIES_CAP);
    expect(nb.cells.train.training.x.train[0][0]).toBe(10);
  });

  it('ignores steps it does not know instead of failing the view', () => {
    const nb = applyEvents(emptyNotebook(), [{ ...base, type: 'step-start', step: 'future-step' as never }]);
    expect(nb.seen).toBe(1);
  });

  it('skips an event type a newer baskets wrote, in the view and in the headless printer', () => {
    const future = { ...base, type: 'future-event', step: 'data' } as unknown as RunEvent;
    const nb = applyEvents(emptyNotebook(), [{ ...base, type: 'step-start', step: 'data' }, future]);
    expect(nb.cells.data.status).toBe('running');
    const lines: string[] = [];
    const print = createPrinter((l) => lines.push(l));
    expect(() => print(future)).not.toThrow();
    expect(lines).toEqual([]);
  });

  it('labels a step with its total, or alone while the total is unknown (0)', () => {
    expect([stepLabel({ step: 3, totalSteps: 200 }), stepLabel({ step: 3, totalSteps: 0 })]).toEqual(['step 3/200', 'step 3']);
  });

  it('formats durations compactly', () => {
    expect([formatDuration(null), formatDuration(4_400), formatDuration(125_000), formatDuration(3_725_000)]).toEqual(['-', '4s', '2m05s', '1h02m']);
  });
});
