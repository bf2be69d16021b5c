import { writeFileSync } from 'node:fs';
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, it } from 'vitest';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { renderApp, tempSessionsDir } from './render.js';

describe('the Run notebook on a log with lines that hold no event', () => {
  let tmp: ReturnType<typeof tempSessionsDir> | undefined;
  afterEach(() => {
    cleanup();
    tmp?.cleanup();
  });

  it('folds the events, skips the rest and says so on its notice line', async () => {
    tmp = tempSessionsDir();
    const store = new SessionStore(tmp.dir);
    store.create({ version: 1, name: 's', createdAt: '2026-01-01T00:00:00.000Z', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const stamp = { runId: 'r1', step: 'data' };
    writeFileSync(
      sessionPaths(store.dir('s')).events,
      [
        JSON.stringify({ type: 'run-start', t: 1_000, runId: 'r1', pid: 1, steps: ['data'] }),
        JSON.stringify({ type: 'step-start', t: 1_000, ...stamp }),
        JSON.stringify({ type: 'summary', ...stamp, text: 'untimed' }),
        '{"type": "step-finish", "t": 2000, "runId": "r1", "step": "da',
        JSON.stringify({ type: 'step-finish', t: 2_000, ...stamp, status: 'done', elapsedMs: 1_000, summary: '12 records kept' }),
        JSON.stringify({ type: 'run-finish', t: 2_000, runId: 'r1', status: 'done' }),
      ].join('\n') + '\n',
    );
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 's', columns: 160 });
    // Events are folded in timed batches, the notice is set at once: wait for each.
    await app.waitFor(/✓ data\s+1s\s+12 records kept/);
    await app.waitFor('skipped 2 lines of events.jsonl that hold no event this baskets reads (line 3: "t" is missing; line 4: not valid JSON)');
  });
});
