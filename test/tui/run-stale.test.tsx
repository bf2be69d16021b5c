import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { renderApp, useRecordedSession } from './render.js';

describe('Run notebook after the session changed', () => {
  const tmp = useRecordedSession('demo', 'run-events.jsonl');

  it('marks the cells whose outputs were made from other inputs, saying what changed', async () => {
    const store = new SessionStore(tmp.dir);
    const split = sessionPaths(store.dir('demo')).split;
    mkdirSync(dirname(split), { recursive: true });
    // The split was made with seed 5; the session now says 1234.
    writeFileSync(split, JSON.stringify({ origin: 'builtin:sotu-continuations', seed: 5, testFraction: 0.1, records: 387, train: 348, test: 39 }));
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'demo', rows: 50 });
    await app.waitFor('out of date');
    const frame = app.frame();
    expect(frame).toMatch(/✓ data\s+1s\s+out of date: the seed changed \(5 → 1234\) · 387 records/);
    expect(frame).toMatch(/✓ generate\s+32s\s+out of date: built on a split made before the seed changed \(5 → 1234\)/);
    expect(frame).not.toMatch(/answer\s+\S+\s+out of date/);
  });

  it('shows current cells as they are', async () => {
    const store = new SessionStore(tmp.dir);
    const split = sessionPaths(store.dir('demo')).split;
    mkdirSync(dirname(split), { recursive: true });
    writeFileSync(split, JSON.stringify({ seed: store.load('demo').seed }));
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'demo', rows: 50 });
    await app.waitFor('387 records');
    expect(app.frame()).not.toContain('out of date');
  });
});

