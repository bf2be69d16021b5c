import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runSession } from '../../src/pipeline/runner.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { readJsonlAll } from '../../src/util/jsonl.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { readRunnerLock } from '../../src/pipeline/lock.js';
import { lastRunStatus } from '../../src/pipeline/status.js';
import { createPrinter } from '../../src/commands/printer.js';
import type { RunEvent } from '../../src/domain/events.js';
import type { Step } from '../../src/pipeline/step.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir();
const noModels = () => ({ model: () => Promise.reject(new Error('no models')), forCondition: () => Promise.reject(new Error('no models')) });

function setup() {
  const store = new SessionStore(tmp());
  store.create({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
  return store;
}

let clock = 0;
const now = () => (clock += 10);

describe('runSession', () => {
  it('runs the requested steps in order, stamps and logs every event, and releases the lock', async () => {
    const store = setup();
    const counting: Step = async function* () {
      for (let i = 1; i <= 3; i++) yield { type: 'progress', task: 't', done: i, total: 3, unit: 'items' };
      yield { type: 'summary', text: 'counted 3' };
    };
    const seen: RunEvent[] = [];
    const outcome = await runSession({
      store,
      name: 's',
      steps: ['assemble', 'data'],
      registry: { data: counting, assemble: counting },
      models: noModels,
      onEvent: (e) => seen.push(e),
      now,
    });
    expect(outcome).toBe('done');
    const logged = await readJsonlAll<RunEvent>(sessionPaths(store.dir('s')).events);
    expect(logged).toEqual(seen);
    // STEP_IDS order, whatever order they were asked in.
    expect(logged.filter((e) => e.type === 'step-start').map((e) => (e as { step: string }).step)).toEqual(['data', 'assemble']);
    const finish = logged.find((e) => e.type === 'step-finish');
    expect(finish).toMatchObject({ step: 'data', status: 'done', summary: 'counted 3' });
    expect(readRunnerLock(store.dir('s'))).toBeNull();
    expect(lastRunStatus(store.dir('s'))).toBe('done');
  });

  it('marks a throwing step failed with its message and stops the run', async () => {
    const store = setup();
    const boom: Step = async function* () {
      yield { type: 'log', level: 'info', message: 'about to fail' };
      throw new Error('dataset file not found: x — check data.source.path');
    };
    const never: Step = async function* () {
      yield { type: 'log', level: 'error', message: 'must not run' };
    };
    const seen: RunEvent[] = [];
    const outcome = await runSession({ store, name: 's', registry: { data: boom, generate: never }, models: noModels, onEvent: (e) => seen.push(e), now });
    expect(outcome).toBe('failed');
    expect(seen.find((e) => e.type === 'step-finish')).toMatchObject({ status: 'failed', error: expect.stringMatching(/not found/) });
    expect(seen.some((e) => e.type === 'step-start' && e.step === 'generate')).toBe(false);
    expect(lastRunStatus(store.dir('s'))).toBe('failed');
  });

  it('calls a run whose runner died without finishing it interrupted, as the Run notebook does', () => {
    const store = setup();
    writeFileSync(sessionPaths(store.dir('s')).events, JSON.stringify({ type: 'run-start', t: 1, runId: 'r', pid: 2 ** 22 + 3, steps: ['data'] }) + '\n');
    expect(lastRunStatus(store.dir('s'))).toBe('interrupted');
    expect(store.list()[0].status).toBe('interrupted');
  });

  it("lets a step's work listen on its signal in any number without Node's leak warning", async () => {
    const store = setup();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const busy: Step = async function* (ctx) {
      for (let i = 0; i < 20; i++) ctx.signal.addEventListener('abort', () => {});
      yield { type: 'summary', text: '20 listeners' };
    };
    try {
      expect(await runSession({ store, name: 's', steps: ['data'], registry: { data: busy }, models: noModels, now })).toBe('done');
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('cancels cleanly when its signal aborts', async () => {
    const store = setup();
    const abort = new AbortController();
    const slow: Step = async function* (ctx) {
      for (let i = 0; i < 1000 && !ctx.signal.aborted; i++) {
        if (i === 2) abort.abort();
        yield { type: 'progress', task: 't', done: i, total: 1000, unit: 'x' };
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    const outcome = await runSession({ store, name: 's', registry: { data: slow }, models: noModels, signal: abort.signal, now });
    expect(outcome).toBe('cancelled');
    expect(lastRunStatus(store.dir('s'))).toBe('cancelled');
  });

  it('prints readable, sanitised headless lines', () => {
    const lines: string[] = [];
    const print = createPrinter((l) => lines.push(l), { progressEveryMs: 0 });
    print({ type: 'log', t: 0, runId: 'r', step: 'data', level: 'warn', message: 'bad \x1b[2J row \x1b]52;c;ZXZpbA==\x07here' });
    print({ type: 'step-finish', t: 0, runId: 'r', step: 'data', status: 'done', elapsedMs: 1500, summary: '3 records' });
    expect(lines).toEqual(['[00:00:00] data: warn: bad  row here', '[00:00:00] data: done in 1.5 s — 3 records']);
  });
});
