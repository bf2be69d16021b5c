import { closeSync, existsSync, fstatSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { dirname, basename } from 'node:path';
import type { RunEvent } from './events.js';

/**
 * Replay an `events.jsonl` and then follow it as it grows, delivering whole events in batches.
 * Polling is the source of truth (fs.watch is only a hint to read sooner): it works on every
 * filesystem, across a runner restart, and when the file does not exist yet.
 */
export function followEvents(
  file: string,
  onEvents: (events: RunEvent[]) => void,
  opts: { fromStart?: boolean; pollMs?: number } = {},
): { close(): void } {
  const pollMs = opts.pollMs ?? 200;
  let offset = 0;
  let partial = '';
  let closed = false;
  if (opts.fromStart === false && existsSync(file)) {
    const fd = openSync(file, 'r');
    offset = fstatSync(fd).size;
    closeSync(fd);
  }

  const read = () => {
    if (closed || !existsSync(file)) return;
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < offset) {
        // Truncated or replaced: start over.
        offset = 0;
        partial = '';
      }
      if (size === offset) return;
      const buf = Buffer.alloc(Math.min(size - offset, 8 * 1024 * 1024));
      const n = readSync(fd, buf, 0, buf.length, offset);
      offset += n;
      const text = partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      const events: RunEvent[] = [];
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          events.push(JSON.parse(line) as RunEvent);
        } catch {
          /* a line cut by a crash and repaired later: skip */
        }
      }
      if (events.length) onEvents(events);
    } finally {
      closeSync(fd);
    }
  };

  read();
  const timer = setInterval(read, pollMs);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), (_event, name) => {
      if (name === basename(file)) read();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    /* the folder may not exist yet: polling covers it */
  }
  return {
    close() {
      closed = true;
      clearInterval(timer);
      watcher?.close();
    },
  };
}
