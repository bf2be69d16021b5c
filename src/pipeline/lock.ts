import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { sessionPaths } from './paths.js';
import { ConfigError } from './errors.js';

/**
 * One runner per session: `runner.lock` holds the runner's pid. Creating it with O_EXCL makes
 * the check-and-take atomic; a lock whose pid is dead (a crash, kill -9, a reboot) is taken over.
 */

export interface LockInfo {
  pid: number;
  startedAt: number;
  alive: boolean;
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

export function readRunnerLock(sessionDir: string): LockInfo | null {
  const file = sessionPaths(sessionDir).lock;
  if (!existsSync(file)) return null;
  try {
    const { pid, startedAt } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; startedAt: number };
    if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, startedAt: 0, alive: false };
    return { pid, startedAt, alive: isProcessAlive(pid) };
  } catch {
    // Half-written or garbage: nobody can be holding it meaningfully.
    return { pid: 0, startedAt: 0, alive: false };
  }
}

export class LockHeldError extends ConfigError {
  constructor(readonly holder: LockInfo, session: string) {
    super(
      `session "${session}" is already being run by process ${holder.pid}: attach to it with \`baskets attach ${session}\`, or cancel it first`,
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
      writeSync(fd, JSON.stringify({ pid, startedAt: Date.now() }));
      closeSync(fd);
      return () => {
        const current = readRunnerLock(sessionDir);
        if (current?.pid === pid && existsSync(file)) unlinkSync(file);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readRunnerLock(sessionDir);
      if (holder?.alive && holder.pid !== pid) throw new LockHeldError(holder, sessionName);
      // Stale: the holder is dead. Remove and retry once.
      try {
        unlinkSync(file);
      } catch {
        /* someone else removed it first */
      }
    }
  }
  throw new Error(`could not take the runner lock of session "${sessionName}": another runner raced us — try again`);
}
