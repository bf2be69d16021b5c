import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RunEvent } from './events.js';
import { readRunnerLock } from './lock.js';
import { sessionPaths } from './paths.js';

export type RunStatus = 'new' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** The last events of a log, read from its tail so a long history costs nothing. */
export function tailEvents(file: string, maxBytes = 256 * 1024): RunEvent[] {
  if (!existsSync(file)) return [];
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // first line is probably cut
    const out: RunEvent[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as RunEvent);
      } catch {
        /* a line cut by a crash: ignore */
      }
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Status of a session's latest run: a live lock means running; else the last run's outcome. */
export function lastRunStatus(sessionDir: string): RunStatus {
  if (readRunnerLock(sessionDir)?.alive) return 'running';
  const events = tailEvents(sessionPaths(sessionDir).events);
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'run-finish') return e.status;
    // A run that started and never finished died without saying so (kill -9, reboot): the Run notebook's word for it.
    if (e.type === 'run-start') return 'interrupted';
  }
  return 'new';
}
