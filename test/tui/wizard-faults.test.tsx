import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { KEYS, renderApp, tempSessionsDir } from './render.js';

const down = (n: number) => Array<string>(n).fill(KEYS.down);

describe('the wizard keeps what the user has not chosen to lose', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => (tmp = tempSessionsDir()));
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('asks before discarding a new session on q or Esc; a second Esc keeps it', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('n', 'keepme', KEYS.enter);
    await app.waitFor('[1] Data');
    await app.press(KEYS.escape);
    await app.waitFor('Discard the new session "keepme"? It is not saved yet (w saves it).');
    await app.press(KEYS.escape);
    expect(app.frame()).toContain('[1] Data');
    expect(app.frame()).not.toContain('Discard');
    await app.press(KEYS.tab);
    await app.waitFor('[2] Models');
    await app.press('q');
    await app.waitFor('Discard the new session "keepme"?');
    await app.press('y');
    await app.waitFor('No sessions in this folder yet');
    expect(new SessionStore(tmp.dir).exists('keepme')).toBe(false);
  });

  it('leaves an unchanged session at once, and asks once it is changed', async () => {
    const store = new SessionStore(tmp.dir);
    store.create({ version: 1, name: 'old', createdAt: '2026-01-01T00:00:00.000Z', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('e');
    await app.waitFor('Edit old');
    await app.press('q');
    await app.waitFor('Sessions');
    expect(app.frame()).not.toContain('Discard');

    await app.press('e');
    await app.waitFor('Edit old');
    // Rows: description, dataset, test fraction, seed.
    await app.press(...down(3), KEYS.enter, '\u0015', '9', KEYS.enter);
    await app.press('q');
    await app.waitFor('Discard your unsaved changes to "old"? (w saves them)');
    await app.press('n');
    await app.waitFor(/seed\s+9/);
  });

  it('takes text and Enter arriving together (a paste with its newline) as the text, then Enter', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('n', 'pasted\r');
    await app.waitFor('[1] Data');
    expect(app.frame()).toMatch(/session name\s+pasted/);
  });

  it('unsets the category field of a dataset file', async () => {
    const dataset = join(tmp.dir, 'rows.jsonl');
    writeFileSync(dataset, JSON.stringify({ instruction: 'Name a bird', context: '', response: 'A robin.', category: 'open_qa' }) + '\n');
    const app = await renderApp({ sessionsDir: join(tmp.dir, 'sessions') });
    await app.press('n', 'nocat', KEYS.enter);
    // Rows: name, description, dataset (to a file), file, then the instruction, context, response and category fields.
    await app.press(...down(2), KEYS.enter, KEYS.down, KEYS.enter, dataset, KEYS.enter);
    await app.waitFor('Preview: first 1 records');
    await app.press(...down(4), KEYS.enter);
    await app.waitFor(/category field\s+\(none\)/);
    await app.press(KEYS.tab, 'a', KEYS.tab);
    await app.waitFor('[3] Conditions');
    await app.press(KEYS.down, KEYS.enter, 'w');
    await app.waitFor('Run nocat');
    expect(new SessionStore(join(tmp.dir, 'sessions')).load('nocat').data.fields).toMatchObject({ instruction: 'instruction', context: 'context', response: 'response', category: '' });
  });
});
