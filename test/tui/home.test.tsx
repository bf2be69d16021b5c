import { writeFileSync } from 'node:fs';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { acquireRunnerLock } from '../../src/pipeline/lock.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { KEYS, renderApp, tempSessionsDir } from './render.js';

const input = (name: string, description: string) => ({
  version: 1 as const,
  name,
  description,
  createdAt: '2026-01-01T00:00:00.000Z',
  data: { source: { kind: 'builtin' as const, name: 'sotu-continuations' as const } },
});

describe('Home', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  let store: SessionStore;
  beforeEach(() => {
    tmp = tempSessionsDir();
    store = new SessionStore(tmp.dir);
    store.create(input('alpha', 'first study'));
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('says how to start when the folder is empty', async () => {
    store.remove('alpha');
    const app = await renderApp({ sessionsDir: tmp.dir });
    expect(app.frame()).toContain('No sessions in this folder yet');
  });

  it('lists sessions with status and description, and duplicates the selected one', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    expect(app.frame()).toMatch(/alpha\s+new\s+just now\s+first study/);
    await app.press('d');
    await app.waitFor('Duplicate alpha as: alpha-copy');
    await app.press('2', '\r');
    await app.waitFor('alpha-copy2');
    expect(store.load('alpha-copy2').description).toBe('first study');
  });

  it('deletes only after confirmation', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('x');
    await app.waitFor('Delete session "alpha"');
    await app.press('n');
    expect(app.frame()).not.toContain('Delete session');
    expect(store.exists('alpha')).toBe(true);
    await app.press('x', 'y');
    await app.waitFor('deleted alpha');
    expect(store.exists('alpha')).toBe(false);
    expect(app.frame()).toContain('No sessions in this folder yet');
  });

  it('handles keys that arrive together (a paste, ssh batching) one after another', async () => {
    store.create(input('beta', 'second'));
    store.create(input('gamma', 'third'));
    const app = await renderApp({ sessionsDir: tmp.dir });
    // Two arrows and a key in one chunk: each must see the selection the previous one left.
    app.stdin.write('\u001B[B\u001B[Bd');
    await app.waitFor(/Duplicate (\w+) as/);
    const third = store.list()[2].name;
    expect(app.frame()).toContain(`Duplicate ${third} as`);
  });

  it('handles a run of printable keys in one chunk (a held key over ssh) as one key each', async () => {
    store.create(input('beta', 'second'));
    store.create(input('gamma', 'third'));
    const app = await renderApp({ sessionsDir: tmp.dir });
    app.stdin.write('jjd');
    await app.waitFor(/Duplicate (\w+) as/);
    expect(app.frame()).toContain(`Duplicate ${store.list()[2].name} as`);
  });

  it('takes a long paste whole into a text field, and key by key elsewhere, without tripping React', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    app.stdin.write('z'.repeat(200)); // no binding: 200 keys that do nothing
    await app.press('n');
    await app.waitFor('Name of the new session');
    app.stdin.write('a'.repeat(60));
    await app.waitFor('a'.repeat(60));
    expect(app.frame()).not.toContain('Maximum update depth');
  });

  it('keeps the cursor on the chosen session when the list re-sorts and on the way back from it', async () => {
    store.create(input('beta', 'second'));
    store.create(input('gamma', 'third'));
    const app = await renderApp({ sessionsDir: tmp.dir });
    const [, chosen, last] = store.list().map((s) => s.name);
    await app.press('j', '\r');
    await app.waitFor(`Run ${chosen}`);
    await app.press(KEYS.escape);
    await app.waitFor('Sessions');
    expect(app.frame()).toMatch(new RegExp(`❯ ${chosen}`));
    // Activity in another session moves it to the top at the next refresh; the cursor stays put.
    writeFileSync(sessionPaths(store.dir(last)).events, '');
    await app.waitFor(new RegExp(`session.*\\n.*${last}`));
    expect(app.frame()).toMatch(new RegExp(`❯ ${chosen}`));
  });

  it('refuses to delete a session whose runner is running, and says how to stop it', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    const lock = acquireRunnerLock(store.dir('alpha'), 'alpha');
    try {
      await app.waitFor(/alpha\s+running/);
      await app.press('x');
      await app.waitFor('alpha is running: cancel it first');
      expect(app.frame()).not.toContain('Delete session');
      expect(() => store.remove('alpha')).toThrow(/session "alpha" is running \(runner pid \d+\): cancel it first/);
      expect(store.exists('alpha')).toBe(true);
    } finally {
      lock();
    }
  });

  it('keeps "? help" on the key bar of a narrow terminal, dropping the screen hints that do not fit', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 60, rows: 20 });
    const bar = app.frame().trimEnd().split('\n').at(-1)!;
    expect(bar).toMatch(/\? help · q\/Esc back$/);
    expect(bar.length).toBeLessThanOrEqual(60);
  });

  it('refuses an invalid new session name with a one-line reason', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('n', '../evil', '\r');
    await app.waitFor('invalid session name');
    expect(app.frame()).toContain('Sessions');
  });
});
