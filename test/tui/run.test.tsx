import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrinter } from '../../src/commands/printer.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { runSession } from '../../src/pipeline/runner.js';
import { STEP_IDS } from '../../src/domain/session.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { createTrainStep } from '../../src/pipeline/steps/train.js';
import { bindingLabel } from '../../src/ui/key-match.js';
import { KEYMAP_SECTIONS } from '../../src/ui/keymaps.js';
import { KEYS, renderApp, tempSessionsDir, useRecordedSession } from './render.js';


describe('Run notebook', () => {
  const tmp = useRecordedSession('demo', 'run-events.jsonl');

  const open = () => renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'demo', rows: 50 });

  it('renders a recorded event log: one cell per step with status, time, summary and live progress', async () => {
    const app = await open();
    await app.waitFor('387 records');
    const frame = app.frame();
    for (const step of STEP_IDS) expect(frame).toMatch(new RegExp(`[✓✗●○⊘] ${step}\\b`));
    expect(frame).toMatch(/✓ data\s+1s\s+387 records: 348 train, 39 test/);
    expect(frame).toMatch(/✓ generate\s+32s\s+348 answers from llama-s/);
    // The log shows a run in progress but no runner holds the lock: it was interrupted, its clock
    // stopped, and nothing claims to be in flight or to finish soon.
    expect(frame).toContain('no runner · last run interrupted');
    expect(frame).toMatch(/❯ ⊘ answer\s+11s {2}interrupted: its runner stopped · r reruns it, keeping finished work/);
    expect(frame).toMatch(/qwen-s\/multi\s+░+ 0\/400 answers\s*$/m);
    expect(frame).toMatch(/qwen-s\/vanilla\s+█+░+ 120\/400 answers\s*$/m);
    expect(frame).not.toMatch(/in flight|ETA/);
    // With its runner alive the same cell is live, and opened first: progress per task with rate and ETA, the unfinished first.
    app.setLockAlive(true);
    await app.waitFor('8 in flight');
    expect(app.frame()).toMatch(/❯ ● answer\s+\S+ {2}0\/2 tasks done · 120\/800 answers/); // its row says how far, even with no room for the detail
    expect(app.frame()).toMatch(/qwen-s\/vanilla\s+█+░+ 120\/400 answers {2}8 in flight {2}230 tok\/s {2}ETA 35s/);
    expect(app.frame()).toMatch(/qwen-s\/multi\s+░+ 0\/400 answers {2}ETA \?/);
  });

  it('moves between cells with the arrows and opens the selected one', async () => {
    const app = await open();
    await app.waitFor('387 records');
    await app.press(KEYS.up);
    // train: the live loss line of the last task and its chart.
    await app.waitFor(/❯ ✓ train/);
    expect(app.frame()).toMatch(/qwen-s\/multi: step 200\/200 · loss 1\.600 · eval 2\.100/);
    await app.press(KEYS.up, KEYS.up, KEYS.up);
    await app.waitFor(/❯ ✓ data/);
    expect(app.frame()).toContain('split: 348 train / 39 test');
    await app.press(KEYS.down);
    // The log line quoted a clear-screen sequence: shown without it.
    await app.waitFor('(error row kept)');
    expect(app.frame()).not.toContain('\u001b[2J');
    expect(app.frame()).toMatch(/throughput 101\.2 tok\/s [▁-█]{3}/);
    await app.press(KEYS.enter);
    expect(app.frame()).not.toContain('(error row kept)');
  });

  it('runs one step, runs from a step on, and cancels only after confirmation', async () => {
    const app = await open();
    await app.waitFor('387 records');
    await app.press('r');
    await app.waitFor('started answer');
    await app.press(KEYS.up, 'R');
    await app.waitFor('started train and after');
    expect(app.calls.starts).toEqual([
      { name: 'demo', steps: ['answer'] },
      { name: 'demo', steps: ['train', 'answer', 'perplexity', 'diversity', 'safety', 'preference'] },
    ]);
    await app.press('c');
    await app.waitFor('nothing is running');
    app.setLockAlive(true);
    await app.waitFor('runner pid 4343 running');
    await app.press('r');
    await app.waitFor('a run is in progress (pid 4343)');
    await app.press('c');
    await app.waitFor('Cancel the run of demo?');
    expect(app.calls.cancels).toEqual([]);
    await app.press('y');
    await app.waitFor('cancel requested');
    expect(app.calls.cancels).toEqual([new SessionStore(tmp.dir).dir('demo')]);
  });

  it('lists every key binding on ?', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'demo', rows: 200 }); // the keys and the glossary after them, all on one screen
    await app.press('?');
    await app.waitFor('Everywhere');
    const frame = app.frame().replace(/\s+/g, ' ');
    for (const section of KEYMAP_SECTIONS) {
      expect(frame).toContain(section.title);
      for (const b of section.bindings) expect(frame).toContain(`${bindingLabel(b, false)} ${b.help}`);
    }
    await app.press('q');
    await app.waitFor('Run demo');
  });

  it('opens help at the keys of the screen it was asked from, and pages through the rest', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'demo', rows: 30 });
    await app.press('?');
    await app.waitFor(/lines \d+-\d+ of \d+/);
    const listed = () => app.frame().split('\n').slice(2).join('\n');
    expect(listed().trimStart().startsWith('Run notebook')).toBe(true);
    expect(listed()).not.toContain('Everywhere');
    const firstLine = () => Number(/lines (\d+)-/.exec(app.frame())![1]);
    const before = firstLine();
    await app.press('\u001B[6~'); // PgDn: a page on, or to the end
    expect(firstLine()).toBeGreaterThan(before);
    await app.press(...Array<string>(6).fill('\u001B[5~')); // PgUp past the top
    await app.waitFor(/lines 1-/);
    expect(listed()).toContain('Everywhere');
  });
});

describe('Run notebook: training cells', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => (tmp = tempSessionsDir()));
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('shows a crashed hf run as failed with its likely cause and the log tail one line per line, in the TUI and headless', async () => {
    const store = new SessionStore(tmp.dir);
    store.create({
      version: 1,
      name: 'gpu',
      createdAt: '2026-01-01T00:00:00.000Z',
      data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
      models: [
        {
          id: 'qwen-s',
          family: 'qwen',
          size: 'small',
          roles: ['target'],
          engine: { engine: 'openai', baseUrls: ['http://127.0.0.1:9/v1'], model: 'Qwen/Qwen2.5-0.5B-Instruct' },
          trainer: { kind: 'hf', baseModel: 'standin:crash' },
        },
      ],
      conditions: [{ name: 'qwen-s/human', target: 'qwen-s', kind: 'human' }],
    });
    const paths = sessionPaths(store.dir('gpu'));
    mkdirSync(join(store.dir('gpu'), 'datasets'), { recursive: true });
    writeFileSync(paths.dataset('qwen-s/human'), '{"exampleId":"1","origin":"human","instruction":"Say hi","context":"","response":"hi"}\n');
    const headless: string[] = [];
    const print = createPrinter((l) => headless.push(l));
    // The real runner and train step, with the stand-in trainer in place of train_hf.py.
    const standin = new URL('../trainers/fixtures/standin_trainer.py', import.meta.url).pathname;
    const outcome = await runSession({
      store,
      name: 'gpu',
      steps: ['train'],
      registry: { train: createTrainStep({ hf: { launcher: ['python3'], script: standin, nvidiaSmi: false } }) },
      models: () => ({ model: () => Promise.reject(new Error('not used')), forCondition: () => Promise.reject(new Error('not used')) }),
      onEvent: print,
    });
    expect(outcome).toBe('failed');

    // Headless: one printed line per log line, the traceback's indentation kept.
    expect(headless).toContainEqual(expect.stringMatching(/train: error: qwen-s\/human: {3}Traceback \(most recent call last\):$/));
    expect(headless).toContainEqual(expect.stringMatching(/train: error: qwen-s\/human: {7}raise ValueError/));
    expect(headless).toContainEqual(expect.stringMatching(/train: failed in .* training failed: ValueError: tokenizer has no attribute 'foo'/));

    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'gpu', rows: 50, columns: 160 });
    // The notebook opens at the failed step.
    await app.waitFor(/❯ ✗ train/);
    await app.waitFor('Traceback');
    const lines = app.frame().split('\n');
    // The cause, then the tail: each log line on a row of its own.
    expect(app.frame()).toMatch(/training failed: ValueError: tokenizer has no attribute 'foo' \(see the traceback in train\.log\)/);
    expect(lines.some((l) => /x qwen-s\/human: {3}Traceback \(most recent call last\):\s*$/.test(l))).toBe(true);
    expect(lines.some((l) => /x qwen-s\/human: {7}raise ValueError\("tokenizer has no attribute 'foo'"\)\s*$/.test(l))).toBe(true);
    expect(lines.some((l) => /x qwen-s\/human: {3}ValueError: tokenizer has no attribute 'foo'\s*$/.test(l))).toBe(true);
  });

  it("wraps a failed step's error in its open cell, so the advice at its end is on screen at 80 columns", async () => {
    const store = new SessionStore(tmp.dir);
    store.create({ version: 1, name: 'refused', createdAt: '2026-01-01T00:00:00.000Z', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const error =
      'scoring for model "fs/vanilla" at http://gpu-box:8000/v1 failed: HTTP 404: The model `founders-small` does not exist. — the server does not serve this model or route: check engine.model (a fine-tuned condition: load its adapter on the server again, or delete its folder under runs/ to retrain it), then run again';
    const events = [
      { t: 1, runId: 'r', type: 'run-start', pid: 4242, steps: ['perplexity'] },
      { t: 2, runId: 'r', type: 'step-start', step: 'perplexity' },
      { t: 3, runId: 'r', type: 'step-finish', step: 'perplexity', status: 'failed', elapsedMs: 1, error },
      { t: 4, runId: 'r', type: 'run-finish', status: 'failed' },
    ];
    writeFileSync(sessionPaths(store.dir('refused')).events, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'refused', rows: 40, columns: 80 });
    // Opened at the failed step (not at data, never run), its error wrapped whole.
    await app.waitFor(/❯ ✗ perplexity/);
    const joined = app.frame().split('\n').map((l) => l.trim()).join(' ');
    expect(joined).toContain('or delete its folder under runs/ to retrain it), then run again');
  });

  it('gives task names the width they need, so industrial-small and industrial-medium tell apart', async () => {
    const store = new SessionStore(tmp.dir);
    store.create({ version: 1, name: 'tiers', createdAt: '2026-01-01T00:00:00.000Z', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const progress = (task: string, t: number) => ({ t, runId: 'r', type: 'progress', step: 'answer', task, done: 40, total: 160, unit: 'answers', inFlight: 0, errors: 0, tokensPerSecond: null });
    const events = [
      { t: 1, runId: 'r', type: 'run-start', pid: 4242, steps: ['answer'] },
      { t: 2, runId: 'r', type: 'step-start', step: 'answer' },
      progress('industrial-small/single', 3),
      progress('industrial-medium/single', 4),
    ];
    writeFileSync(sessionPaths(store.dir('tiers')).events, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'tiers', rows: 40, columns: 120 });
    await app.waitFor('industrial-medium/single');
    expect(app.frame()).toMatch(/industrial-small\/single\s+[█░]+ 40\/160 answers/);
    expect(app.frame()).toMatch(/industrial-medium\/single [█░]+ 40\/160 answers/);
  });

  it('shows learning rate and trainer memory on the training line, and n/a for GPU readings nvidia-smi gave as [N/A]', async () => {
    const store = new SessionStore(tmp.dir);
    store.create({ version: 1, name: 'gpu', createdAt: '2026-01-01T00:00:00.000Z', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const events = sessionPaths(store.dir('gpu')).events;
    // Written (not recorded) in the shape the runner logs for a live hf run; GPU 0's utilisation and
    // power are "[N/A]", which the runner's NaN becomes in JSON: null.
    copyFileSync(new URL('./fixtures/train-gpu-events.jsonl', import.meta.url).pathname, events);
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'gpu', rows: 50, columns: 160 });
    await app.waitFor('qwen-s/multi: step 120/400');
    const frame = app.frame();
    expect(frame).toMatch(/qwen-s\/multi: step 120\/400 · loss 1\.800 · eval 2\.100 · lr 1\.4e-4 · 5\.1k tok\/s · mem 21\.8kMB · ETA /);
    expect(frame).toContain('gpu0 n/a 30.5k/81.6kMB 64C n/a  gpu1 88% 29.9k/81.6kMB 61C 402W');
    expect(frame).not.toMatch(/NaN|null/);

    // nvidia-smi quit mid-run (a driver update): the panel says so, with what it printed.
    const t = 1767225620000;
    appendFileSync(
      events,
      JSON.stringify({ t, runId: 'run-g', type: 'gpu', step: 'train', samples: null, message: 'nvidia-smi exited with code 18: Failed to initialize NVML: Driver/library version mismatch; GPU stats are not shown (run nvidia-smi to see why)' }) + '\n',
    );
    await app.waitFor('nvidia-smi exited with code 18: Failed to initialize NVML: Driver/library version mismatch');
    expect(app.frame()).not.toContain('gpu0 ');
  });
});

describe('Run notebook: run clock and retrying failed items', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => (tmp = tempSessionsDir()));
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  const T0 = 1_800_000_000_000;
  const run = (runId: string, t: number, steps: string[]) => ({ type: 'run-start', t, runId, pid: 4343, steps });
  const progress = (runId: string, t: number, task: string, done: number, total: number, errors = 0) => ({ type: 'progress', t, runId, step: 'generate', task, done, total, unit: 'answers', errors });
  /** An earlier run that assembled in 20 s, then generate running: 50/100 and 25/50 answers after 10 s. */
  const events = [
    run('a', T0 - 100_000, ['assemble']),
    { type: 'step-start', t: T0 - 100_000, runId: 'a', step: 'assemble' },
    { type: 'step-finish', t: T0 - 80_000, runId: 'a', step: 'assemble', status: 'done', elapsedMs: 20_000, summary: '2 datasets' },
    { type: 'run-finish', t: T0 - 80_000, runId: 'a', status: 'done' },
    run('b', T0, ['generate', 'assemble']),
    { type: 'step-start', t: T0, runId: 'b', step: 'generate' },
    progress('b', T0, 's1', 0, 100),
    progress('b', T0, 's2', 0, 50),
    progress('b', T0 + 10_000, 's1', 50, 100, 3),
    progress('b', T0 + 10_000, 's2', 25, 50),
  ];

  async function open(lines: object[], clock: number) {
    const store = new SessionStore(tmp.dir);
    store.create({ version: 1, name: 'demo', createdAt: '2026-01-01T00:00:00.000Z', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    writeFileSync(sessionPaths(store.dir('demo')).events, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const starts: { steps?: string[]; retryErrors?: boolean }[] = [];
    const app = await renderApp({
      sessionsDir: tmp.dir,
      initialScreen: 'run',
      initialSession: 'demo',
      rows: 40,
      services: { now: () => clock, startRun: async (_dir, _name, req) => (starts.push({ ...req }), { pid: 77 }) },
    });
    return { app, starts };
  }

  it("shows the run's elapsed time and ETA (the running cell's, then the later steps' last durations) from the clock", async () => {
    const { app } = await open(events, T0 + 12_000);
    app.setLockAlive(true);
    // Both tasks need 10 s more at their last report, 2 s ago; assemble took 20 s last time.
    await app.waitFor('last run running · elapsed 12s · ETA 28s');
    expect(app.frame()).toMatch(/● generate\s+12s {2}0\/2 tasks done · 75\/150 answers · ETA 8s/);
  });

  it('says when a later step was never timed, and shows no ETA once the runner is gone', async () => {
    // The same generate progress, in a run whose next step (train) has never finished.
    const { app } = await open([run('b', T0, ['generate', 'train']), ...events.slice(5)], T0 + 12_000);
    app.setLockAlive(true);
    await app.waitFor('elapsed 12s · ETA 8s+');
    app.setLockAlive(false);
    await app.waitFor(/last run interrupted · elapsed \d+s\s/);
    expect(app.frame()).not.toContain('ETA');
  });

  it('retries only the failed items of a step that ended with some, from a key shown in the hints', async () => {
    const finished = [
      ...events,
      { type: 'step-finish', t: T0 + 20_000, runId: 'b', step: 'generate', status: 'done', elapsedMs: 20_000, summary: '2 sources: 147/150 answered, 3 errors' },
      { type: 'run-finish', t: T0 + 20_000, runId: 'b', status: 'done' },
    ];
    const { app, starts } = await open(finished, T0 + 30_000);
    await app.waitFor('147/150 answered');
    expect(app.frame()).toContain('t retry failed');
    expect(app.frame()).toContain('last run done · elapsed 20s');
    // The notebook opens at the first step not done (data, never run); generate is the next.
    await app.press(KEYS.down);
    await app.waitFor(/❯ ✓ generate/);
    await app.press('t');
    await app.waitFor('retrying the failed items of generate (runner pid 77)');
    expect(starts).toEqual([{ steps: ['generate'], retryErrors: true }]);
    await app.press(KEYS.down);
    await app.waitFor(/❯ ✓ assemble/);
    await app.press('t');
    await app.waitFor('assemble has no failed items to retry');
    expect(starts).toHaveLength(1);
  });
});
