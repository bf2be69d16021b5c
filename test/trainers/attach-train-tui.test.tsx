import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderApp, tempSessionsDir } from '../tui/render.js';

describe('baskets attach --train in a terminal, on a run whose loss diverged', () => {
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

  it('shows the NaN loss and still draws the chart of the finite ones', async () => {
    copyFileSync(join(import.meta.dirname, 'fixtures', 'trainer_state-diverged.json'), join(run, 'trainer_state.json'));
    const app = await renderApp({ sessionsDir: tmp.dir, trainTarget: run, rows: 30, columns: 100 });
    await app.waitFor('step 30/40');
    expect(app.frame()).toMatch(/^baskets · Training run {2}following/);
    expect(app.frame()).toContain('loss NaN');
    expect(app.frame()).toMatch(/── train/);
  });
});
