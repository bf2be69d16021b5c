import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { useTempDir } from '../helpers/tmp.js';
import { perCli } from './budget.js';
import { runCli } from './cli.js';

const tmp = useTempDir('baskets-attach-');

describe('baskets attach on a log with lines that hold no event', () => {
  it('prints the events, skips the rest and says which on stderr, in both forms', { timeout: perCli(2) }, () => {
    const root = tmp();
    const store = new SessionStore(join(root, 'sessions'));
    store.create({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const log = sessionPaths(store.dir('s')).events;
    const stamp = { runId: 'r1', step: 'data' };
    writeFileSync(
      log,
      [
        { type: 'run-start', t: Date.UTC(2026, 0, 1, 9), runId: 'r1', pid: 1, steps: ['data'] },
        // No time: this once crashed attach with "Invalid time value".
        { type: 'log', ...stamp, level: 'info', message: 'untimed' },
        { type: 'log', t: Date.UTC(2026, 0, 1, 9, 0, 1), ...stamp, level: 'info', message: 'loaded' },
        { type: 'from-a-newer-baskets\u001b[2J', t: 1, ...stamp },
        { type: 'run-finish', t: Date.UTC(2026, 0, 1, 9, 0, 2), runId: 'r1', status: 'done' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const env = { BASKETS_CONFIG_DIR: join(root, 'config'), BASKETS_CACHE_DIR: join(root, 'cache') };
    const note = `skipped 2 lines of ${log} that hold no event this baskets reads (line 2: "t" is missing; line 4: unknown event type "from-a-newer-baskets\\u001b[2J")\n`;

    const plain = runCli(['attach', 's', '--sessions', store.root], env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(['[09:00:00] run r1 started (pid 1): data', '[09:00:01] data: loaded', '[09:00:02] run r1 done', ''].join('\n'));
    // The escape sequence from the file is shown escaped, never acted on.
    expect(plain.stderr).toBe(note);
    expect(plain.stderr).not.toContain('\u001b');

    const json = runCli(['attach', 's', '--json', '--sessions', store.root], env);
    expect(json.code).toBe(0);
    expect(json.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['run-start', 'log', 'run-finish']);
    expect(json.stderr).toBe(note);
  });
});
