import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionStore, sanitizeSessionName } from '../../src/pipeline/store.js';
import { acquireRunnerLock, readRunnerLock, LockHeldError } from '../../src/pipeline/lock.js';
import { writeJsonAtomic } from '../../src/util/atomic.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir();
const minimal = (name: string) => ({
  version: 1 as const,
  name,
  createdAt: '2026-11-25T00:00:00Z',
  data: { source: { kind: 'builtin' as const, name: 'sotu-continuations' as const } },
});

describe('session names', () => {
  it('accepts plain names and rejects traversal, slashes and empties', () => {
    expect(sanitizeSessionName(' qwen-vs-llama ')).toBe('qwen-vs-llama');
    for (const bad of ['', '..', '../etc', 'a/b', 'a\\b', '.hidden', 'x'.repeat(65), 'a..b']) {
      expect(() => sanitizeSessionName(bad)).toThrow(/session name/);
    }
  });
});

describe('SessionStore', () => {
  it('creates, lists, loads, duplicates and removes sessions', () => {
    const store = new SessionStore(tmp());
    const created = store.create(minimal('alpha'));
    expect(created.seed).toBe(1234); // defaults filled in
    expect(store.list().map((s) => [s.name, s.status])).toEqual([['alpha', 'new']]);
    store.duplicate('alpha', 'beta');
    expect(store.load('beta').name).toBe('beta');
    expect(() => store.create(minimal('alpha'))).toThrow(/already exists/);
    store.remove('alpha');
    expect(store.list().map((s) => s.name)).toEqual(['beta']);
  });

  it('rejects unknown keys with the path of the bad key, and lists the session as invalid', () => {
    const root = tmp();
    const store = new SessionStore(root);
    store.create(minimal('typo'));
    const file = join(root, 'typo', 'session.json');
    const raw = JSON.parse(readFileSync(file, 'utf8'));
    raw.data.fields.instrution = 'prompt';
    writeFileSync(file, JSON.stringify(raw));
    expect(() => store.load('typo')).toThrow(/data\.fields\.instrution: unknown key/);
    const [summary] = store.list();
    expect(summary.status).toBe('invalid');
    expect(summary.error).toMatch(/instrution/);
  });

  it('gives one-line errors for broken JSON and wrong versions', () => {
    const root = tmp();
    const store = new SessionStore(root);
    store.create(minimal('s'));
    const file = join(root, 's', 'session.json');
    writeFileSync(file, '{"version": 1,');
    expect(() => store.load('s')).toThrow(/not valid JSON/);
    writeFileSync(file, JSON.stringify({ ...minimal('s'), version: 99 }));
    expect(() => store.load('s')).toThrow(/version 99 is not supported/);
    writeFileSync(file, JSON.stringify({ ...minimal('s'), version: '1\u001b[2J' }));
    expect(() => store.load('s')).toThrow(/session version "1\\u001b\[2J" is not supported/);
  });

  it('refuses a server URL with a password or a query string, never quoting the password', () => {
    const root = tmp();
    const store = new SessionStore(root);
    const served = (url: string) => ({ ...minimal('s'), models: [{ id: 'm', family: 'f', size: 'small' as const, roles: ['source' as const], engine: { engine: 'openai' as const, baseUrls: [url], model: 'm' } }] });
    expect(() => store.create(served('http://me:hunter2@gpu:8000/v1'))).toThrow(/models\.0\.engine\.baseUrls\.0: the base URL holds a user name or password: remove the "user:password@" part/);
    expect(() => store.create(served('http://me:hunter2@gpu:8000/v1'))).not.toThrow(/hunter2/);
    expect(() => store.create(served('http://gpu:8000/v1?api_key=sk-1'))).toThrow(/has a query string or fragment/);
    expect(() => store.create(served('ftp://gpu/v1'))).toThrow(/is not an http\(s\) URL/);
    expect(store.create(served('http://gpu:8000/v1')).models[0].id).toBe('m');
  });

  it('reads a session file that starts with a byte-order mark, and names a folder where the file should be', () => {
    const root = tmp();
    const store = new SessionStore(root);
    store.create(minimal('s'));
    const file = join(root, 's', 'session.json');
    writeFileSync(file, '\uFEFF' + readFileSync(file, 'utf8'));
    expect(store.load('s').data.source.kind).toBe('builtin');
    rmSync(file);
    mkdirSync(file);
    expect(() => store.load('s')).toThrow(`${file} is not a file: move it aside and restore the session file, or create the session again`);
  });

  it('writes atomically: no temp files are left and a failed write keeps the old file', () => {
    const dir = tmp();
    const file = join(dir, 'state.json');
    writeJsonAtomic(file, { a: 1 });
    writeJsonAtomic(file, { a: 2 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: 2 });
    expect(readdirSync(dir)).toEqual(['state.json']);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => writeJsonAtomic(file, cyclic)).toThrow();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: 2 });
    // A rename that fails (the target is a folder) leaves no temp file either.
    mkdirSync(join(dir, 'folder'));
    expect(() => writeJsonAtomic(join(dir, 'folder'), { a: 3 })).toThrow(/EISDIR/);
    expect(readdirSync(dir).sort()).toEqual(['folder', 'state.json']);
  });
});

describe('runner lock', () => {
  it('refuses a second runner while the holder lives', () => {
    const dir = tmp();
    const release = acquireRunnerLock(dir, 's');
    expect(readRunnerLock(dir)).toMatchObject({ pid: process.pid, alive: true });
    // A different live pid (our parent) holding it: refused.
    release();
    acquireRunnerLock(dir, 's', process.ppid);
    expect(() => acquireRunnerLock(dir, 's')).toThrow(LockHeldError);
  });

  it('takes over a stale lock from a dead pid and a garbage lock file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'runner.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: 1 }));
    expect(readRunnerLock(dir)?.alive).toBe(false);
    const release = acquireRunnerLock(dir, 's');
    expect(readRunnerLock(dir)?.pid).toBe(process.pid);
    release();
    expect(existsSync(join(dir, 'runner.lock'))).toBe(false);
    writeFileSync(join(dir, 'runner.lock'), 'garbage');
    acquireRunnerLock(dir, 's')();
  });
});
