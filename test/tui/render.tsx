import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, render } from 'ink-testing-library';
import { act } from 'react';
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
  const result = await untilReactIdle(() => render(<App {...props} services={services} env={opts.env ?? {}} />));
  const setSize = async (c: number, r: number) => {
    Object.defineProperty(result.stdout, 'columns', { configurable: true, get: () => c });
    Object.defineProperty(result.stdout, 'rows', { configurable: true, get: () => r });
    await untilReactIdle(() => result.stdout.emit('resize'));
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
     * Sends keystrokes one at a time (text as one paste). Like a person, it lets the app finish
     * reacting to each key (render and effects, so the input handlers see the new state) before
     * the next one, however slow the machine: a key cannot overtake the render of the previous one.
     */
    async press(...keys: string[]) {
      for (const k of keys) await untilReactIdle(() => result.stdin.write(k));
    },
    /**
     * Waits for text that asynchronous work (files read, a probe answered) puts on screen. The
     * limit only turns a screen that never shows it into a readable failure; it is no speed claim.
     */
    async waitFor(text: string | RegExp) {
      const start = Date.now();
      const found = () => (typeof text === 'string' ? frame().includes(text) : text.test(frame()));
      while (!found()) {
        if (Date.now() - start > WAIT_FOR_MS) throw new Error(`the screen never showed ${String(text)} in ${WAIT_FOR_MS / 1000} s; last frame:\n${frame()}`);
        await tick();
      }
    },
  };
}

/**
 * How long `waitFor` waits before failing: well under the test timeout, so a missing text fails
 * with the frame instead of a bare timeout, yet far past what a loaded 2-core machine needs.
 */
const WAIT_FOR_MS = 60_000;

/**
 * Runs `fire` (a render, a resize, a keystroke) and waits until React has processed all it set off
 * synchronously: the render, its effects, and Ink's deferred lone-Escape (flushed on setImmediate).
 * React's act() is the event here; it is on only inside this call, so the app's later
 * asynchronous updates render as they would in a terminal, without act() warnings.
 */
async function untilReactIdle<T>(fire: () => T): Promise<T> {
  const scope = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  scope.IS_REACT_ACT_ENVIRONMENT = true;
  try {
    let value!: T;
    await act(async () => {
      value = fire();
      await new Promise((resolve) => setImmediate(resolve));
    });
    return value;
  } finally {
    scope.IS_REACT_ACT_ENVIRONMENT = false;
  }
}

function tick(ms = 25): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
