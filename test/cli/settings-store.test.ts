import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const previous = process.env.BASKETS_CONFIG_DIR;
process.env.BASKETS_CONFIG_DIR = mkdtempSync(join(tmpdir(), 'baskets-settings-'));
afterAll(() => {
  if (previous === undefined) delete process.env.BASKETS_CONFIG_DIR;
  else process.env.BASKETS_CONFIG_DIR = previous;
});

describe('the settings file', () => {
  it('is read without hooking the process signals (baskets serve and headless runs answer SIGTERM themselves)', async () => {
    const before = process.listenerCount('SIGTERM');
    const { loadSettings, workerThreadCount } = await import('../../src/settings.js');
    expect(loadSettings().sessionsDir).toBe('./sessions');
    expect(workerThreadCount()).toBeGreaterThan(0);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('is written through conf where it is read, with mode 0600', async () => {
    const { settingsPath, workerThreadCount } = await import('../../src/settings.js');
    const { saveSettings } = await import('../../src/settings-store.js');
    expect(saveSettings({ theme: 'dark', workerThreads: 3 })).toMatchObject({ theme: 'dark', workerThreads: 3 });
    expect(workerThreadCount()).toBe(3);
    expect(settingsPath()).toBe(join(process.env.BASKETS_CONFIG_DIR!, 'config.json'));
    expect(statSync(settingsPath()).mode & 0o777).toBe(0o600);
  });

  it('refuses a bad workerThreads when the settings are loaded, naming the key, and leaves the file as it was', async () => {
    const { loadSettings, settingsPath } = await import('../../src/settings.js');
    const text = JSON.stringify({ theme: 'dark', workerThreads: 0 });
    writeFileSync(settingsPath(), text);
    expect(() => loadSettings()).toThrow(/has a bad value: .*: workerThreads: /);
    expect(readFileSync(settingsPath(), 'utf8')).toBe(text);
  });
});
