import { afterAll, describe, expect, it, vi } from 'vitest';
import { renderApp, useRecordedSession } from './render.js';

// Colour must be possible in this file, or "no colour codes under NO_COLOR" could not fail.
// Workers are reused across files: restore the variable so other files see their usual setting.
const previousForceColor = vi.hoisted(() => {
  const previous = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = '1';
  return previous;
});
afterAll(() => {
  if (previousForceColor === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = previousForceColor;
});

const ESC = '\u001b';
const BOX_AND_BLOCKS = /[\u2500-\u259f\u2190-\u21ff\u2700-\u27bf\u25a0-\u25ff\u2800-\u28ff]/;

describe('layout and themes', () => {
  const tmp = useRecordedSession('demo', 'run-events.jsonl');

  const runScreen = (extra: { env?: NodeJS.ProcessEnv; ascii?: boolean; columns?: number; rows?: number }) =>
    renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'demo', rows: 40, ...extra });

  it('replaces the layout with a widen box below the minimum size, and restores it on resize', async () => {
    const app = await runScreen({});
    await app.waitFor('387 records');
    await app.setSize(50, 40);
    await app.waitFor('this one is 50x40');
    expect(app.frame()).toContain('Widen the terminal');
    expect(app.frame()).not.toContain('387 records');
    await app.setSize(100, 12);
    await app.waitFor('this one is 100x12');
    await app.setSize(100, 40);
    await app.waitFor('387 records');
  });

  it('keeps the screen and where it was through a dip below the minimum, and ignores keys meanwhile', async () => {
    const app = await runScreen({});
    await app.waitFor('387 records');
    await app.press('\u001B[A'); // up to train, away from where the notebook opens
    await app.waitFor(/❯ ✓ train/);
    await app.setSize(45, 12);
    await app.waitFor('Widen the terminal');
    await app.press('\u001B[A', 'q'); // unseen: neither moves nor leaves
    await app.setSize(100, 40);
    await app.waitFor(/❯ ✓ train/);
    expect(app.frame()).toContain('387 records');
  });

  it('draws colour and box drawing by default (the control for the next test)', async () => {
    const app = await runScreen({});
    await app.waitFor('387 records');
    await app.press('\u001B[A'); // train: the loss chart
    await app.waitFor('train  ');
    expect(app.raw()).toContain(`${ESC}[`);
    expect(app.raw()).toMatch(BOX_AND_BLOCKS);
  });

  it('under NO_COLOR and --ascii emits no escape codes and only plain characters', async () => {
    const app = await runScreen({ env: { NO_COLOR: '1' }, ascii: true });
    await app.waitFor('387 records');
    const screens: string[] = [app.raw()];
    await app.press('\u001B[A');
    await app.waitFor('qwen-s/multi: step 200/200');
    screens.push(app.raw());
    await app.press('\u001B[A', '\u001B[A');
    await app.waitFor('throughput');
    screens.push(app.raw());
    await app.press('?');
    await app.waitFor('Run notebook'); // help, opened at the Run notebook's keys
    screens.push(app.raw());
    await app.setSize(40, 40);
    screens.push(app.raw());
    for (const frame of screens) {
      expect(frame).not.toContain(ESC);
      expect(frame).not.toMatch(BOX_AND_BLOCKS);
      expect(frame).toMatch(/^[\x20-\x7e\n]*$/);
    }
  });
});

describe('table column widths', () => {
  it('keeps short columns whole and caps only the widest', async () => {
    const { fitWidths } = await import('../../src/components/Table.js');
    expect(fitWidths([9, 6, 13, 90], 112)).toEqual([9, 6, 13, 84]);
    expect(fitWidths([9, 6, 13, 90], 40)).toEqual([9, 6, 12, 12]);
    expect(fitWidths([5, 5], 20)).toEqual([5, 5]);
  });
});
