import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { readRunnerLock } from '../../src/pipeline/control.js';
import { lastRunStatus } from '../../src/pipeline/status.js';
import { readJsonlAll } from '../../src/util/jsonl.js';
import type { RunEvent } from '../../src/pipeline/events.js';
import { runCli, startCli } from './cli.js';

let root: string;
let env: NodeJS.ProcessEnv;
let store: SessionStore;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'baskets-cli-'));
  env = { BASKETS_CACHE_DIR: join(root, 'cache'), BASKETS_CONFIG_DIR: join(root, 'config'), CI: 'true' };
  store = new SessionStore(join(root, 'sessions'));
  // Long enough to attach to and cancel: three sources writing long answers.
  store.create({
    version: 1,
    name: 'long',
    createdAt: 'now',
    data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: 600 },
    models: ['founders', 'industrial', 'modern'].map((f) => ({
      id: `${f}-small`,
      family: f,
      size: 'small' as const,
      roles: ['source' as const],
      engine: { engine: 'builtin' as const, base: `${f}-small` },
      generation: { maxTokens: 400 },
    })),
  });
  store.create({ version: 1, name: 'quick', createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
});
afterAll(() => {
  const lock = readRunnerLock(store.dir('long'));
  if (lock?.alive) process.kill(lock.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const sessionsFlag = () => ['--sessions', store.root];

describe('baskets run / attach', () => {
  it('prints readable progress lines without a TTY, and JSON lines with --json', () => {
    const plain = runCli(['run', 'quick', '--steps', 'data', ...sessionsFlag()], env);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/data: done in [\d.]+ s — \d+ records → \d+ train \/ \d+ test/);
    const json = runCli(['run', 'quick', '--steps', 'data', '--json', ...sessionsFlag()], env);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    expect(events[0].type).toBe('run-start');
    expect(events.at(-1)).toMatchObject({ type: 'run-finish', status: 'done' });
  });

  it('detaches a runner, attaches to it, detaches again without stopping it, refuses a second runner, and cancels it cleanly', async () => {
    const dir = store.dir('long');
    const started = runCli(['run', 'long', '--detach', ...sessionsFlag()], env);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/started runner \d+ for "long"/);

    const attach = startCli(['attach', 'long', '--json', ...sessionsFlag()], env);
    await attach.waitFor(/"type":"progress".*"step":"generate"|"step":"generate".*"type":"progress"/, 60_000);
    const exited = new Promise<number | null>((r) => attach.child.once('exit', r));
    attach.child.kill('SIGINT');
    expect(await exited).toBe(0);
    const runner = readRunnerLock(dir);
    expect(runner?.alive).toBe(true);

    const second = runCli(['run', 'long', '--headless', ...sessionsFlag()], env);
    expect(second.code).toBe(2);
    expect(second.stderr.trim()).toMatch(/^baskets: session "long" is already being run by process \d+: attach/);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);

    // `baskets cancel` stops it from the shell and returns once the runner has let go.
    const cancel = runCli(['cancel', 'long', ...sessionsFlag()], env);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/asked runner \d+ of "long" to stop…\nrunner \d+ stopped/);
    expect(readRunnerLock(dir)?.alive ?? false).toBe(false);
    expect(lastRunStatus(dir)).toBe('cancelled');
    expect(runCli(['cancel', 'long', ...sessionsFlag()], env).stdout).toMatch(/has no running runner: nothing to cancel/);
    const events = await readJsonlAll<RunEvent>(join(dir, 'events.jsonl'));
    expect(events.filter((e) => e.type === 'step-finish').at(-1)).toMatchObject({ step: 'generate', status: 'cancelled' });

    // attach to a finished run replays it and exits with its status (cancelled → 1).
    const replay = runCli(['attach', 'long', ...sessionsFlag()], env);
    expect(replay.stdout).toMatch(/run \w+ cancelled/);
    expect(replay.code).toBe(1);
  }, 120_000);

  it('skips and counts malformed records by default, and stops at the first with --strict', () => {
    const file = join(root, 'broken.jsonl');
    const good = (i: number) => JSON.stringify({ instruction: `q${i}`, context: '', response: `a${i}`, category: 'open_qa' });
    writeFileSync(file, [good(1), '{"instruction": "cut off', good(2), JSON.stringify({ instruction: 'no response' }), good(3), good(4)].join('\n') + '\n');
    store.create({ version: 1, name: 'broken', createdAt: 'now', data: { source: { kind: 'file', path: file } } });
    const lenient = runCli(['run', 'broken', '--steps', 'data', ...sessionsFlag()], env);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain(`${file}:2: not valid JSON`);
    expect(lenient.stdout).toContain(`${file}:4: missing field "response"`);
    expect(lenient.stdout).toMatch(/4 records → 3 train \/ 1 test \(2 malformed skipped\)/);
    const strict = runCli(['run', 'broken', '--steps', 'data', '--strict', ...sessionsFlag()], env);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/data: failed .*broken\.jsonl:2: not valid JSON.*--strict/);
  });

  it('keeps running when its reader goes away (| head, a dropped ssh session), and finishes the run', async () => {
    store.create({
      version: 1,
      name: 'piped',
      createdAt: 'now',
      data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: 60 },
      models: [{ id: 'fs', family: 'founders', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'founders-small' }, generation: { maxTokens: 200 } }],
    });
    const run = startCli(['run', 'piped', '--steps', 'data,generate', ...sessionsFlag()], env);
    await run.waitFor(/run \w+ started/);
    run.child.stdout!.destroy(); // the reader is gone: every later write fails with EPIPE
    const code = await new Promise<number | null>((r) => run.child.once('exit', r));
    expect(code).toBe(0);
    const events = await readJsonlAll<RunEvent>(sessionPaths(store.dir('piped')).events);
    expect(events.at(-1)).toMatchObject({ type: 'run-finish', status: 'done' });
    expect(events.some((e) => e.type === 'step-finish' && e.step === 'generate' && e.status === 'done')).toBe(true);
  });

  it('says when there is nothing to follow: a session never run, a runner gone without finishing', () => {
    store.create({ version: 1, name: 'unrun', createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const never = runCli(['attach', 'unrun', ...sessionsFlag()], env);
    expect(never.code).toBe(0);
    expect(never.stdout.trim()).toBe('"unrun" has not been run yet: `baskets run unrun` starts it');
    // The log of a runner killed with -9: its run started and never finished, and no lock is alive.
    writeFileSync(sessionPaths(store.dir('unrun')).events, JSON.stringify({ type: 'run-start', t: 1, runId: 'r1', pid: 2 ** 22 + 7, steps: ['data'] }) + '\n');
    const gone = runCli(['attach', 'unrun', ...sessionsFlag()], env);
    expect(gone.code).toBe(1);
    expect(gone.stdout.trim().split('\n').at(-1)).toBe(`the runner of "unrun" (pid ${2 ** 22 + 7}) stopped without finishing its run: \`baskets run unrun\` resumes it`);
  });

  it('exits 2 with one line for bad usage and unknown sessions, and adds the stack with --verbose', () => {
    const unknown = runCli(['run', 'nope', ...sessionsFlag()], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^baskets: no session "nope" in .*: run `baskets` to create one/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const badStep = runCli(['run', 'quick', '--steps', 'nonsense', ...sessionsFlag()], env);
    expect(badStep.code).toBe(2);
    expect(badStep.stderr).toMatch(/unknown step "nonsense": choose from data, generate/);
    for (const empty of ['', ',']) {
      const noStep = runCli(['run', 'quick', '--steps', empty, ...sessionsFlag()], env);
      expect(noStep.code).toBe(2);
      expect(noStep.stderr).toMatch(/^baskets: --steps names no step: list some of data, generate, .*, or leave it out to run them all$/m);
    }
    const badFlag = runCli(['run', 'quick', '--frobnicate'], env);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr.trim()).toBe('baskets: unknown option "--frobnicate": see `baskets --help`');
    const detachedJson = runCli(['run', 'quick', '--detach', '--json', ...sessionsFlag()], env);
    expect(detachedJson.code).toBe(2);
    expect(detachedJson.stderr.trim()).toBe('baskets: --json has no effect with --detach (the runner writes to its runner.log): follow it with `baskets attach quick --json`');
    const extra = runCli(['report', 'quick', 'extra', ...sessionsFlag()], env);
    expect(extra.code).toBe(2);
    expect(extra.stderr.trim()).toBe('baskets: unexpected argument "extra" after `baskets report`: see `baskets --help`');
    const traversal = runCli(['run', '../etc', ...sessionsFlag()], env);
    expect(traversal.code).toBe(2);
    expect(traversal.stderr).toMatch(/invalid session name/);
    const verbose = runCli(['run', 'nope', '--verbose', ...sessionsFlag()], env);
    expect(verbose.stderr.split('\n').length).toBeGreaterThan(2);
  });
});
