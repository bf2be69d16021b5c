import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach } from 'vitest';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { App, type AppProps } from '../../src/app.js';
import type { Settings } from '../../src/settings.js';
import type { BuiltinBaseInfo } from '../../src/engines/builtin/index.js';
import type { Services } from '../../src/ui/context.js';

/**
 * The one way TUI tests render the app: a temp sessions folder, in-memory settings, fake run
 * control (records what it was asked to do), a chosen terminal size, and keystroke helpers.
 */

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  shiftTab: '\u001B[Z',
  backspace: '\u007F',
} as const;

export const TEST_BASES: BuiltinBaseInfo[] = [
  { id: 'founders-small', family: 'founders', size: 'small', tokenizer: 'word', order: 3, description: 'founding-era speeches' },
  { id: 'moderns-small', family: 'moderns', size: 'small', tokenizer: 'bpe', order: 3, description: 'recent speeches' },
];

export function tempSessionsDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'baskets-tui-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For each test: a sessions folder holding one session `name` whose events.jsonl is the
 * recorded run `fixtures/<fixture>`; it and the render are removed after the test.
 */
export function useRecordedSession(name: string, fixture: string): { readonly dir: string } {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => {
    tmp = tempSessionsDir();
    const store = new SessionStore(tmp.dir);
    store.create({ version: 1, name, createdAt: '2026-01-01T00:00:00.000Z', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    copyFileSync(new URL(`./fixtures/${fixture}`, import.meta.url).pathname, sessionPaths(store.dir(name)).events);
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });
  return {
    get dir() {
      return tmp.dir;
    },
  };
}

export interface RenderOptions extends Partial<AppProps> {
  sessionsDir: string;
  columns?: number;
  rows?: number;
  services?: Partial<Services>;
}

export async function renderApp(opts: RenderOptions) {
  let settings: Settings = { sessionsDir: opts.sessionsDir, theme: 'auto', endpoints: [] };
  const calls = { starts: [] as { name: string; steps?: string[] }[], cancels: [] as string[] };
  let lockAlive = false;
  const services: Partial<Services> = {
    loadSettings: () => settings,
    saveSettings: (patch) => (settings = { ...settings, ...patch }),
    startRun: async (_dir, name, req) => {
      calls.starts.push({ name, steps: req?.steps });
      return { pid: 999 };
    },
    requestCancel: (dir) => (calls.cancels.push(dir), lockAlive),
    readRunnerLock: () => (lockAlive ? { pid: 4343, startedAt: 0, alive: true } : null),
    builtinBases: () => TEST_BASES,
    // No network in TUI tests: nothing is cached and every server is dead unless a test fakes one.
    readCachedProbe: () => null,
    probeServer: (baseUrl) => Promise.reject(new Error(`nothing is listening at ${baseUrl} (test fake)`)),
    probeHfModel: (entry) => Promise.reject(new Error(`no Python in TUI tests to load ${entry.id} (test fake)`)),
    capabilityProblems: async () => [],
    ...opts.services,
  };
  const { columns = 100, rows = 40, ...props } = opts;
  const result = render(<App {...props} services={services} env={opts.env ?? {}} />);
  /** Waits until a frame newer than `before` is drawn (or a limit, for input that changes nothing). */
  const settle = async (before: number) => {
    const start = Date.now();
    while (result.frames.length === before && Date.now() - start < SETTLE_MS) await tick(5);
    await tick(5);
  };
  const setSize = async (c: number, r: number) => {
    Object.defineProperty(result.stdout, 'columns', { configurable: true, get: () => c });
    Object.defineProperty(result.stdout, 'rows', { configurable: true, get: () => r });
    const before = result.frames.length;
    result.stdout.emit('resize');
    await settle(before);
  };
  await setSize(columns, rows);

  const raw = () => result.lastFrame() ?? '';
  // Colour (SGR) codes stripped, so text assertions hold whether or not colour is on.
  const frame = () => raw().replace(/\u001b\[[0-9;]*m/g, '');
  return {
    ...result,
    frame,
    raw,
    calls,
    setSize,
    setLockAlive: (alive: boolean) => (lockAlive = alive),
    /**
     * Sends keystrokes one at a time (text as one paste). Like a person, it waits to see the
     * screen react before the next key (up to a limit, for keys that change nothing), so a
     * loaded machine cannot reorder a key before the render of the previous one.
     */
    async press(...keys: string[]) {
      for (const k of keys) {
        const before = result.frames.length;
        result.stdin.write(k);
        await settle(before);
      }
    },
    async waitFor(text: string | RegExp, timeoutMs = 3000) {
      const start = Date.now();
      const found = () => (typeof text === 'string' ? frame().includes(text) : text.test(frame()));
      while (!found()) {
        if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${String(text)} in:\n${frame()}`);
        await tick();
      }
    },
  };
}

/** Longest wait for a keystroke or a resize to show on screen. */
const SETTLE_MS = 250;

export function tick(ms = 25): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
