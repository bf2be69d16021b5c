import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { parseEventLine, type RunEvent } from '../domain/events.js';
import { readRunnerLock } from './lock.js';
import { sessionPaths } from './paths.js';

export type RunStatus = 'new' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/**
 * The last events of a log, read from its tail so a long history costs nothing. Lines that hold
 * no event (cut by a crash, hand-edited, from another version) are skipped.
 */
export function tailEvents(file: string, maxBytes = 256 * 1024): RunEvent[] {
  if (!existsSync(file)) return [];
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    // A tail that starts part-way through a line (and perhaps a character) begins after that line ends.
    const cut = buf.indexOf(0x0a);
    const from = start === 0 ? 0 : cut < 0 ? buf.length : cut + 1;
    const events: RunEvent[] = [];
    for (const line of buf.toString('utf8', from).split('\n')) {
      if (!line.trim()) continue;
      const parsed = parseEventLine(line);
      if ('event' in parsed) events.push(parsed.event);
    }
    return events;
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
