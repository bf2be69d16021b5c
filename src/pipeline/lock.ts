import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { basketsCommand } from './command-hint.js';
import { sessionPaths } from './paths.js';
import { ConfigError } from '../domain/errors.js';

/**
 * One runner per session: `runner.lock` holds the runner's pid. Creating it with O_EXCL makes
 * the check-and-take atomic; a lock whose pid is dead (a crash, kill -9, a reboot) is taken over,
 * and so is one whose pid now names another process (pids are reused, above all after a reboot):
 * the lock records the holder's start time and a different one means the holder is gone.
 */

export interface LockInfo {
  pid: number;
  startedAt: number;
  alive: boolean;
  /** The pid was checked to be the process that took the lock (its start time matched), so it may be signalled. */
  verified?: boolean;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When a process started, as an opaque token comparable for one pid: on Linux the boot id and
 * /proc/<pid>/stat field 22 (start time in clock ticks since boot); elsewhere `ps -o lstart=`.
 * Undefined where neither can tell (the lock then falls back to "is the pid alive").
 */
export function processStartToken(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) may hold spaces and parentheses: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[22 - 3];
    let boot = '';
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      /* containers may hide it: the start time alone still tells reused pids apart */
    }
    if (startTicks && /^\d+$/.test(startTicks)) return `proc:${boot}:${startTicks}`;
  } catch {
    /* no /proc (macOS, BSD) or the process is gone */
  }
  if (process.platform === 'win32') return undefined;
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 });
  const lstart = ps.status === 0 ? ps.stdout.trim() : '';
  return lstart ? `ps:${lstart}` : undefined;
}

/** Alive and still the process that took the lock (when the lock recorded who that was), and whether that was checked. */
function lockHolder(pid: number, startToken: unknown): { alive: boolean; verified: boolean } {
  if (!isProcessAlive(pid)) return { alive: false, verified: false };
  // A lock written before start tokens existed (or by hand): trusted as held, never signalled.
  if (typeof startToken !== 'string') return { alive: true, verified: false };
  const now = processStartToken(pid);
  return { alive: now === undefined || now === startToken, verified: now === startToken };
}

export function readRunnerLock(sessionDir: string): LockInfo | null {
  const file = sessionPaths(sessionDir).lock;
  if (!existsSync(file)) return null;
  try {
    const { pid, startedAt, processStart } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; startedAt: number; processStart?: unknown };
    if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, startedAt: 0, alive: false };
    return { pid, startedAt, ...lockHolder(pid, processStart) };
  } catch {
    // Half-written or garbage: nobody can be holding it meaningfully.
    return { pid: 0, startedAt: 0, alive: false };
  }
}

export class LockHeldError extends ConfigError {
  constructor(readonly holder: LockInfo, session: string, sessionsDir: string) {
    super(
      `session "${session}" is already being run by process ${holder.pid}: attach to it with \`${basketsCommand(`attach ${session}`, sessionsDir)}\`, or cancel it first`,
    );
    this.name = 'LockHeldError';
  }
}

/** Take the session's runner lock or throw LockHeldError. Returns a release function. */
export function acquireRunnerLock(sessionDir: string, sessionName: string, pid = process.pid): () => void {
  const file = sessionPaths(sessionDir).lock;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid, startedAt: Date.now(), processStart: processStartToken(pid) }));
      closeSync(fd);
      return () => {
        const current = readRunnerLock(sessionDir);
        if (current?.pid === pid && existsSync(file)) unlinkSync(file);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readRunnerLock(sessionDir);
      if (holder?.alive && holder.pid !== pid) throw new LockHeldError(holder, sessionName, dirname(sessionDir));
      // Stale: the holder is dead, or its pid now belongs to another process. Remove and retry once.
      try {
        unlinkSync(file);
      } catch {
        /* someone else removed it first */
      }
    }
  }
  throw new Error(`could not take the runner lock of session "${sessionName}": another runner raced us — try again`);
}
