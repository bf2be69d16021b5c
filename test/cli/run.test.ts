import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { readRunnerLock } from '../../src/pipeline/control.js';
import { lastRunStatus } from '../../src/pipeline/status.js';
import { readJsonlAll } from '../../src/util/jsonl.js';
import type { RunEvent } from '../../src/domain/events.js';
import type { SessionInput } from '../../src/domain/session.js';
import { perCli } from './budget.js';
import { runCli, startCli } from './cli.js';

const root = mkdtempSync(join(tmpdir(), 'baskets-cli-'));
const env = { BASKETS_CACHE_DIR: join(root, 'cache'), BASKETS_CONFIG_DIR: join(root, 'config'), CI: 'true' };
const store = new SessionStore(join(root, 'sessions'));
const sessionsFlag = ['--sessions', store.root];

/** A study long enough to attach to and cancel: three sources writing long answers. */
const longStudy = (name: string): SessionInput => ({
  version: 1,
  name,
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
const quickStudy = (name: string): SessionInput => ({ version: 1, name, createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
/** A JSON line of the generate step's progress: the run is past its data step and working. */
const GENERATING = /"type":"progress".*"step":"generate"|"step":"generate".*"type":"progress"/;

beforeAll(() => {
  store.create(longStudy('long'));
  store.create(quickStudy('quick'));
});
afterAll(() => {
  for (const name of ['long', 'interrupted']) {
    const lock = readRunnerLock(store.dir(name));
    if (lock?.alive) process.kill(lock.pid, 'SIGKILL');
  }
  rmSync(root, { recursive: true, force: true });
});

describe('baskets run without a terminal', () => {
  it('prints readable progress lines', () => {
    const plain = runCli(['run', 'quick', '--steps', 'data', ...sessionsFlag], env);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/data: done in [\d.]+ s — \d+ records → \d+ train \/ \d+ test/);
  }, perCli(1));

  it('prints the events as JSON lines with --json', () => {
    const json = runCli(['run', 'quick', '--steps', 'data', '--json', ...sessionsFlag], env);
    expect(json.code).toBe(0);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    expect(events[0].type).toBe('run-start');
    expect(events.at(-1)).toMatchObject({ type: 'run-finish', status: 'done' });
  }, perCli(1));

  it('exits 130 when Ctrl-C cancels it, and records the run as cancelled', async () => {
    store.create(longStudy('interrupted'));
    const run = startCli(['run', 'interrupted', '--json', ...sessionsFlag], env);
    await run.waitFor(GENERATING);
    const exited = new Promise<number | null>((r) => run.child.once('exit', r));
    run.child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(lastRunStatus(store.dir('interrupted'))).toBe('cancelled');
  }, perCli(2));

  it('skips and counts malformed records by default, and with --strict stops at the first and says why on stderr', () => {
    const file = join(root, 'broken.jsonl');
    const good = (i: number) => JSON.stringify({ instruction: `q${i}`, context: '', response: `a${i}`, category: 'open_qa' });
    writeFileSync(file, [good(1), '{"instruction": "cut off', good(2), JSON.stringify({ instruction: 'no response' }), good(3), good(4)].join('\n') + '\n');
    store.create({ version: 1, name: 'broken', createdAt: 'now', data: { source: { kind: 'file', path: file } } });
    const lenient = runCli(['run', 'broken', '--steps', 'data', ...sessionsFlag], env);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain(`${file}:2: not valid JSON`);
    expect(lenient.stdout).toContain(`${file}:4: missing field "response"`);
    expect(lenient.stdout).toMatch(/4 records → 3 train \/ 1 test \(2 malformed skipped\)/);
    const strict = runCli(['run', 'broken', '--steps', 'data', '--strict', ...sessionsFlag], env);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/data: failed .*broken\.jsonl:2: not valid JSON.*--strict/);
    expect(strict.stderr).toMatch(/run \w+ failed$/m);
    expect(strict.stdout).not.toMatch(/failed/);
  }, perCli(2));

  it('keeps running when its reader goes away (| head, a dropped ssh session), and finishes the run', async () => {
    store.create({
      version: 1,
      name: 'piped',
      createdAt: 'now',
      data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: 60 },
      models: [{ id: 'fs', family: 'founders', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'founders-small' }, generation: { maxTokens: 200 } }],
    });
    const run = startCli(['run', 'piped', '--steps', 'data,generate', ...sessionsFlag], env);
    await run.waitFor(/run \w+ started/);
    run.child.stdout!.destroy(); // the reader is gone: every later write fails with EPIPE
    const code = await new Promise<number | null>((r) => run.child.once('exit', r));
    expect(code).toBe(0);
    const events = await readJsonlAll<RunEvent>(sessionPaths(store.dir('piped')).events);
    expect(events.at(-1)).toMatchObject({ type: 'run-finish', status: 'done' });
    expect(events.some((e) => e.type === 'step-finish' && e.step === 'generate' && e.status === 'done')).toBe(true);
  }, perCli(3));
});

// One detached runner of "long", from start to cancel: each test takes it one step further.
describe('a detached runner', () => {
  const dir = () => store.dir('long');

  it('starts in the background, and the command returns', () => {
    const started = runCli(['run', 'long', '--detach', ...sessionsFlag], env);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/started runner \d+ for "long"/);
  }, perCli(1));

  it('is followed by attach, which Ctrl-C detaches without stopping the run', async () => {
    const attach = startCli(['attach', 'long', '--json', ...sessionsFlag], env);
    await attach.waitFor(GENERATING);
    const exited = new Promise<number | null>((r) => attach.child.once('exit', r));
    attach.child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(readRunnerLock(dir())?.alive).toBe(true);
  }, perCli(1));

  it('holds the session: a second runner exits 75 (not 2, bad usage) with one line', () => {
    for (const mode of ['--headless', '--detach']) {
      const second = runCli(['run', 'long', mode, ...sessionsFlag], env);
      expect(second.code).toBe(75);
      expect(second.stderr.trim()).toMatch(/^baskets: session "long" is already being run by process \d+: attach/);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, perCli(2));

  it('is stopped cleanly by `baskets cancel`, which returns once the runner has let go', async () => {
    const cancel = runCli(['cancel', 'long', ...sessionsFlag], env);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/asked runner \d+ of "long" to stop…\nrunner \d+ stopped/);
    expect(readRunnerLock(dir())?.alive ?? false).toBe(false);
    expect(lastRunStatus(dir())).toBe('cancelled');
    expect(runCli(['cancel', 'long', ...sessionsFlag], env).stdout).toMatch(/has no running runner: nothing to cancel/);
    const events = await readJsonlAll<RunEvent>(join(dir(), 'events.jsonl'));
    expect(events.filter((e) => e.type === 'step-finish').at(-1)).toMatchObject({ step: 'generate', status: 'cancelled' });
  }, perCli(2));

  it('is replayed by attach once finished, which exits with its code (cancelled: 130)', () => {
    const replay = runCli(['attach', 'long', ...sessionsFlag], env);
    expect(replay.stdout).toMatch(/run \w+ cancelled/);
    expect(replay.code).toBe(130);
  }, perCli(1));
});

describe('baskets attach with nothing to follow', () => {
  it('says a session was never run, and exits 0', () => {
    store.create(quickStudy('unrun'));
    const never = runCli(['attach', 'unrun', ...sessionsFlag], env);
    expect(never.code).toBe(0);
    expect(never.stdout.trim()).toBe(`"unrun" has not been run yet: \`baskets run unrun --sessions ${store.root}\` starts it`);
  }, perCli(1));

  it('says on stderr that a runner stopped without finishing, and exits 1', () => {
    store.create(quickStudy('gone'));
    // The log of a runner killed with -9: its run started and never finished, and no lock is alive.
    writeFileSync(sessionPaths(store.dir('gone')).events, JSON.stringify({ type: 'run-start', t: 1, runId: 'r1', pid: 2 ** 22 + 7, steps: ['data'] }) + '\n');
    const gone = runCli(['attach', 'gone', ...sessionsFlag], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`the runner of "gone" (pid ${2 ** 22 + 7}) stopped without finishing its run: \`baskets run gone --sessions ${store.root}\` resumes it`);
  }, perCli(1));
});

describe('bad usage of baskets run: exit 2 and one line on stderr', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown session', ['run', 'nope'], /^baskets: no session "nope" in .*: run `baskets` to create one/],
    ['an unknown step', ['run', 'quick', '--steps', 'nonsense'], /^baskets: unknown step "nonsense": choose from data, generate/],
    ['an empty step list', ['run', 'quick', '--steps', ''], /^baskets: --steps names no step: list some of data, generate, .*, or leave it out to run them all$/],
    ['a step list of commas', ['run', 'quick', '--steps', ','], /^baskets: --steps names no step: list some of data, generate, .*, or leave it out to run them all$/],
    ['an unknown option', ['run', 'quick', '--frobnicate'], /^baskets: `baskets run` has no option --frobnicate: see `baskets run --help`$/],
    ['--json with --detach', ['run', 'quick', '--detach', '--json'], /^baskets: --json has no effect with --detach \(the runner writes to its runner\.log\): follow it with `baskets attach quick --json --sessions \S+`$/],
    ['an argument too many', ['report', 'quick', 'extra'], /^baskets: unexpected argument "extra" after `baskets report`: see `baskets report --help`$/],
    ['a session name that leaves the sessions folder', ['run', '../etc'], /invalid session name/],
  ];
  it.each(cases)('%s', (_what, args, message) => {
    const r = runCli([...args, ...sessionsFlag], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  }, perCli(1));

  it('adds the stack with --verbose', () => {
    const verbose = runCli(['run', 'nope', '--verbose', ...sessionsFlag], env);
    expect(verbose.code).toBe(2);
    expect(verbose.stderr.split('\n').length).toBeGreaterThan(2);
  }, perCli(1));
});
