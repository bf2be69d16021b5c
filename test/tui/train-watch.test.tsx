import { appendFileSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderApp, tempSessionsDir } from './render.js';

/** LLaMA-Factory's log line for one step. */
const step = (n: number, loss: number) => JSON.stringify({ current_steps: n, total_steps: 40, loss, lr: 2e-5 }) + '\n';

describe('baskets attach --train in a terminal: a training run started outside baskets', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  let run: string;
  beforeEach(() => {
    tmp = tempSessionsDir();
    run = mkdtempSync(join(tmpdir(), 'baskets-watch-'));
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
    rmSync(run, { recursive: true, force: true });
  });

  it('shows the NaN eval loss of a diverged run and still draws the chart of the finite losses', async () => {
    // A real run at a learning rate no model survives (fixtures/real/make_real_logs.py).
    copyFileSync(join(import.meta.dirname, '..', 'trainers', 'fixtures', 'real', 'diverged-output', 'checkpoint-20', 'trainer_state.json'), join(run, 'trainer_state.json'));
    const app = await renderApp({ sessionsDir: tmp.dir, trainTarget: run, rows: 30, columns: 100 });
    await app.waitFor('step 20/20');
    expect(app.frame()).toMatch(/^baskets · Training run {2}finished/);
    expect(app.frame()).toContain('eval NaN');
    expect(app.frame()).toMatch(/── train/);
  });

  it('draws its live loss chart as it trains, and says when it has finished', async () => {
    const log = join(run, 'trainer_log.jsonl');
    writeFileSync(log, [step(10, 2.4), step(20, 2.1)].join(''));
    const app = await renderApp({ sessionsDir: tmp.dir, trainTarget: run, rows: 30, columns: 100 });
    await app.waitFor('step 20/40');
    expect(app.frame()).toMatch(/^baskets · Training run {2}following/);
    expect(app.frame()).toContain('started outside baskets: q stops following, the run keeps going');
    expect(app.frame()).toMatch(/loss 2\.100/);
    // The loss chart: the train series, a loss axis from 2.4 down, steps along the bottom.
    expect(app.frame()).toMatch(/── train/);
    expect(app.frame()).toMatch(/2\.4 ┤/);
    expect(app.frame()).toMatch(/└┬.*\n.*step/);

    appendFileSync(log, [step(30, 1.8), step(40, 1.6)].join(''));
    await app.waitFor('step 40/40');
    expect(app.frame()).toMatch(/^baskets · Training run {2}finished/);
    expect(app.frame()).toMatch(/loss 1\.600/);
  });

  it('says so when there is nothing logged yet, and when the output goes away', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir, trainTarget: run, rows: 30, columns: 100 });
    await app.waitFor('waiting for the first logged step');
    rmSync(run, { recursive: true, force: true });
    await app.waitFor('stopped following');
    expect(app.frame()).toContain("stopped reading the run (the run's output was moved or deleted)");
  });
});
