import { copyFileSync } from 'node:fs';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { STEP_IDS } from '../../src/pipeline/session.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { bindingLabel } from '../../src/ui/keys.js';
import { KEYMAP_SECTIONS } from '../../src/ui/keymaps.js';
import { KEYS, renderApp, tempSessionsDir } from './render.js';

const FIXTURE = new URL('./fixtures/run-events.jsonl', import.meta.url).pathname;

describe('Run notebook', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => {
    tmp = tempSessionsDir();
    const store = new SessionStore(tmp.dir);
    store.create({ version: 1, name: 'demo', createdAt: '2026-01-01T00:00:00.000Z', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    copyFileSync(FIXTURE, sessionPaths(store.dir('demo')).events);
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  const open = () => renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'demo', rows: 50 });

  it('renders a recorded event log: one cell per step with status, time, summary and live progress', async () => {
    const app = await open();
    await app.waitFor('387 records');
    const frame = app.frame();
    for (const step of STEP_IDS) expect(frame).toMatch(new RegExp(`[✓✗●○] ${step}\\b`));
    expect(frame).toMatch(/✓ data\s+1s\s+387 records: 348 train, 39 test/);
    expect(frame).toMatch(/✓ generate\s+32s\s+348 answers from llama-s/);
    // The cell of the second run's step is live, and opened first: progress per task with rate and ETA.
    expect(frame).toMatch(/❯ ● answer/);
    expect(frame).toMatch(/qwen-s\/vanilla\s+█+░+ 120\/400 answers {2}8 in flight {2}230 tok\/s {2}ETA 35s/);
    expect(frame).toMatch(/qwen-s\/multi\s+░+ 0\/400 answers {2}ETA \?/);
    // The log shows a run in progress but no runner holds the lock: it was interrupted, and its clock stopped.
    expect(frame).toContain('no runner · last run interrupted');
    expect(frame).toMatch(/● answer\s+11s/);
  });

  it('moves between cells with the arrows and opens the selected one', async () => {
    const app = await open();
    await app.waitFor('387 records');
    await app.press(KEYS.up);
    // train: the live loss line of the last task and its chart.
    await app.waitFor(/❯ ✓ train/);
    expect(app.frame()).toMatch(/qwen-s\/multi: step 200\/200 · loss 1\.600 · eval 2\.100/);
    await app.press(KEYS.up, KEYS.up, KEYS.up);
    await app.waitFor(/❯ ✓ data/);
    expect(app.frame()).toContain('split: 348 train / 39 test');
    await app.press(KEYS.down);
    // The log line quoted a clear-screen sequence: shown without it.
    await app.waitFor('(error row kept)');
    expect(app.frame()).not.toContain('\u001b[2J');
    expect(app.frame()).toMatch(/throughput 101\.2 tok\/s [▁-█]{3}/);
    await app.press(KEYS.enter);
    expect(app.frame()).not.toContain('(error row kept)');
  });

  it('runs one step, runs from a step on, and cancels only after confirmation', async () => {
    const app = await open();
    await app.waitFor('387 records');
    await app.press('r');
    await app.waitFor('started answer');
    await app.press(KEYS.up, 'R');
    await app.waitFor('started train and after');
    expect(app.calls.starts).toEqual([
      { name: 'demo', steps: ['answer'] },
      { name: 'demo', steps: ['train', 'answer', 'perplexity', 'diversity', 'safety', 'preference'] },
    ]);
    await app.press('c');
    await app.waitFor('nothing is running');
    app.setLockAlive(true);
    await app.waitFor('runner pid 4343 running');
    await app.press('r');
    await app.waitFor('a run is in progress (pid 4343)');
    await app.press('c');
    await app.waitFor('Cancel the run of demo?');
    expect(app.calls.cancels).toEqual([]);
    await app.press('y');
    await app.waitFor('cancel requested');
    expect(app.calls.cancels).toEqual([new SessionStore(tmp.dir).dir('demo')]);
  });

  it('lists every key binding on ?', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'demo', rows: 100 });
    await app.press('?');
    await app.waitFor('Everywhere');
    const frame = app.frame().replace(/\s+/g, ' ');
    for (const section of KEYMAP_SECTIONS) {
      expect(frame).toContain(section.title);
      for (const b of section.bindings) expect(frame).toContain(`${bindingLabel(b, false)} ${b.help}`);
    }
    await app.press('q');
    await app.waitFor('Run demo');
  });
});
