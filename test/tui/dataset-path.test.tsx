import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { KEYS, renderApp, tempSessionsDir } from './render.js';

describe('the wizard saves the dataset path absolute', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  const startedIn = process.cwd();
  beforeEach(() => {
    tmp = tempSessionsDir();
    writeFileSync(join(tmp.dir, 'rows.jsonl'), JSON.stringify({ instruction: 'Name a bird', context: '', response: 'A robin.', category: 'open_qa' }) + '\n');
  });
  afterEach(() => {
    process.chdir(startedIn);
    cleanup();
    tmp.cleanup();
  });

  it('a path typed relative to where the TUI started is saved as the absolute file, so a run from elsewhere finds it', async () => {
    process.chdir(tmp.dir);
    const sessions = join(tmp.dir, 'sessions');
    const app = await renderApp({ sessionsDir: sessions });
    await app.press('n', 'rel', KEYS.enter);
    await app.waitFor('[1] Data');
    await app.press(KEYS.down, KEYS.down, KEYS.enter);
    await app.waitFor('give the path of a .jsonl');
    await app.press(KEYS.down, KEYS.enter, 'rows.jsonl', KEYS.enter);
    await app.waitFor('Preview: first 1 records');
    await app.press(KEYS.tab, 'a', KEYS.tab);
    await app.waitFor('[3] Conditions');
    await app.press(KEYS.down, KEYS.enter, 'w');
    await app.waitFor('Run rel');
    process.chdir(startedIn);
    expect(new SessionStore(sessions).load('rel').data.source).toEqual({ kind: 'file', path: join(tmp.dir, 'rows.jsonl') });
  });
});
