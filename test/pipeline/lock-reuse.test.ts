import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cancelRequested, requestCancel } from '../../src/pipeline/control.js';
import { acquireRunnerLock, LockHeldError, processStartToken, readRunnerLock } from '../../src/pipeline/lock.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir();

describe('runner lock and reused pids', () => {
  it('records the holder start time, stable for one process and different for another', () => {
    const mine = processStartToken(process.pid);
    expect(mine).toBeDefined();
    expect(processStartToken(process.pid)).toBe(mine);
    expect(processStartToken(process.ppid)).not.toBe(mine);
    if (process.platform === 'linux') expect(mine).toMatch(/^proc:[^:]*:\d+$/);
  });

  it('takes over a lock whose pid is alive but now names another process (a reboot reused it)', () => {
    const dir = tmp();
    // Our parent is alive, but it is not the process that wrote this lock.
    writeFileSync(join(dir, 'runner.lock'), JSON.stringify({ pid: process.ppid, startedAt: 1, processStart: 'proc:an-earlier-boot:42' }));
    expect(readRunnerLock(dir)).toMatchObject({ pid: process.ppid, alive: false });
    const release = acquireRunnerLock(dir, 's');
    expect(readRunnerLock(dir)).toMatchObject({ pid: process.pid, alive: true });
    release();
  });

  it('still refuses while the recorded process itself holds the lock', () => {
    const dir = tmp();
    acquireRunnerLock(dir, 's', process.ppid);
    expect(readRunnerLock(dir)).toMatchObject({ pid: process.ppid, alive: true });
    expect(() => acquireRunnerLock(dir, 's')).toThrow(LockHeldError);
  });

  it('never signals the pid of a lock without a start time: a cancel only leaves the marker', async () => {
    const dir = tmp();
    const bystander = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'runner.lock'), JSON.stringify({ pid: bystander.pid, startedAt: 1 }));
      expect(readRunnerLock(dir)).toMatchObject({ alive: true, verified: false });
      expect(requestCancel(dir)).toBe(true);
      expect(cancelRequested(dir)).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
    } finally {
      bystander.kill('SIGKILL');
    }
  });
});
