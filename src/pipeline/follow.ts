import { closeSync, existsSync, fstatSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { dirname, basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { sanitizeLine } from '../util/sanitize.js';
import { parseEventLine, type RunEvent, type SkippedLine } from '../domain/events.js';

export interface FollowOptions {
  fromStart?: boolean;
  pollMs?: number;
  /** Lines that hold no event (cut, hand-edited, from another version): skipped, and told here. */
  onSkipped?: (lines: SkippedLine[]) => void;
}

/**
 * Replay an `events.jsonl` and then follow it as it grows, delivering whole, checked events in
 * batches. Polling is the source of truth (fs.watch is only a hint to read sooner): it works on
 * every filesystem, across a runner restart, and when the file does not exist yet.
 */
export function followEvents(file: string, onEvents: (events: RunEvent[]) => void, opts: FollowOptions = {}): { close(): void } {
  const pollMs = opts.pollMs ?? 200;
  let offset = 0;
  // Lines are numbered only when reading began at the start of the file.
  let lineNo: number | null = 0;
  let partial = '';
  // Reads end anywhere, also inside a character: the decoder keeps its first bytes for the next read.
  let decoder = new StringDecoder('utf8');
  let closed = false;
  if (opts.fromStart === false && existsSync(file)) {
    const fd = openSync(file, 'r');
    offset = fstatSync(fd).size;
    lineNo = offset === 0 ? 0 : null;
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
        lineNo = 0;
        partial = '';
        decoder = new StringDecoder('utf8');
      }
      if (size === offset) return;
      const buf = Buffer.alloc(Math.min(size - offset, 8 * 1024 * 1024));
      const n = readSync(fd, buf, 0, buf.length, offset);
      offset += n;
      const lines = (partial + decoder.write(buf.subarray(0, n))).split('\n');
      partial = lines.pop() ?? '';
      const events: RunEvent[] = [];
      const skipped: SkippedLine[] = [];
      for (const line of lines) {
        if (lineNo !== null) lineNo++;
        if (!line.trim()) continue;
        const parsed = parseEventLine(line);
        if ('event' in parsed) events.push(parsed.event);
        else skipped.push({ line: lineNo, problem: parsed.problem });
      }
      if (events.length) onEvents(events);
      if (skipped.length) opts.onSkipped?.(skipped);
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

/** How many problems a note about skipped lines spells out before it only counts. */
const NOTED = 3;

/**
 * One line for a person following a log: which lines were skipped and why, and how many so far.
 * The problems quote the file, so the line is sanitised.
 */
export function skippedLinesNote(file: string, lines: readonly SkippedLine[], total: number): string {
  const shown = lines.slice(0, NOTED).map((l) => (l.line === null ? l.problem : `line ${l.line}: ${l.problem}`));
  if (lines.length > NOTED) shown.push(`${lines.length - NOTED} more`);
  const what = `${lines.length} line${lines.length === 1 ? '' : 's'}`;
  return sanitizeLine(`skipped ${what} of ${file} that hold no event this baskets reads (${shown.join('; ')})${total > lines.length ? `, ${total} so far` : ''}`);
}
