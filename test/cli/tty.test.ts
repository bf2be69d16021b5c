import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const root = mkdtempSync(join(tmpdir(), 'baskets-tty-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bare `baskets` without a terminal (stdin /dev/null, CI)', () => {
  it('exits 2 with one line saying what to run instead, not an Ink raw-mode crash', () => {
    const env = { BASKETS_CACHE_DIR: join(root, 'cache'), BASKETS_CONFIG_DIR: join(root, 'config') };
    const r = runCli(['--sessions', join(root, 'sessions')], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^baskets: the TUI needs an interactive terminal: run `baskets run <session> --headless`/);
    expect(r.stderr).not.toMatch(/Raw mode|at /);
  });
});
