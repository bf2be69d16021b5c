import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/settings.js';
import { renderApp, tempSessionsDir } from './render.js';

describe('Settings: the sessions folder note', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  const startedIn = process.cwd();
  beforeEach(() => {
    tmp = tempSessionsDir();
    mkdirSync(join(tmp.dir, 'sessions'));
    process.chdir(tmp.dir);
  });
  afterEach(() => {
    process.chdir(startedIn);
    cleanup();
    tmp.cleanup();
  });

  const open = async (saved: string) => {
    const settings: Settings = { sessionsDir: saved, theme: 'auto', endpoints: [] };
    const app = await renderApp({ sessionsDir: join(tmp.dir, 'sessions'), services: { loadSettings: () => settings } });
    await app.press('s');
    await app.waitFor('sessions folder');
    return app.frame();
  };

  it('says nothing when the default "./sessions" is the folder this TUI uses', async () => {
    expect(await open('./sessions')).not.toContain('applies when restarted');
  });

  it('says the TUI keeps its folder until restarted when the setting names another', async () => {
    expect(await open('./elsewhere')).toContain('applies when restarted');
  });
});
