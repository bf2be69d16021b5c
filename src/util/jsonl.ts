import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readSync, fstatSync, writeSync, mkdirSync, createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import { safeJson } from './sanitize.js';

export interface JsonlIssue {
  file: string;
  line: number;
  reason: string;
}

/**
 * The lines of a text file, split at "\n" only, which is JSON Lines' separator. A "\r" before it
 * (a Windows file, or one converted to CRLF twice) is JSON whitespace, never a line of its own,
 * so a CRLF file numbers its records as its LF twin does.
 */
async function* textLines(file: string): AsyncGenerator<string> {
  let pending = '';
  // The stream decodes UTF-8 across chunk boundaries.
  for await (const chunk of createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      yield pending + chunk.slice(start, nl);
      pending = '';
      start = nl + 1;
    }
    pending += chunk.slice(start);
  }
  if (pending) yield pending;
}

/**
 * Read a JSONL file line by line. Malformed lines are reported with file and line number
 * through `onIssue` and skipped (or thrown on with `strict`). Blank lines are ignored.
 */
export async function* readJsonl<T = unknown>(
  file: string,
  opts: { strict?: boolean; onIssue?: (issue: JsonlIssue) => void } = {},
): AsyncGenerator<{ line: number; value: T }> {
  if (!existsSync(file)) return;
  let line = 0;
  for await (const raw of textLines(file)) {
    line++;
    // Editors on Windows start files with a byte-order mark; it is not part of the first record.
    // The "\r" of a CRLF goes too, so that a broken line reads as it does in the LF twin.
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r+$/, '');
    if (text.trim() === '') continue;
    let value: T;
    try {
      value = JSON.parse(text) as T;
    } catch (err) {
      const issue = { file, line, reason: `not valid JSON (${(err as Error).message})` };
      if (opts.strict) throw new Error(`${file}:${line}: ${issue.reason}`);
      opts.onIssue?.(issue);
      continue;
    }
    yield { line, value };
  }
}

/** Read a whole JSONL file into memory (for small state files and tests). */
export async function readJsonlAll<T = unknown>(file: string, opts: Parameters<typeof readJsonl>[1] = {}): Promise<T[]> {
  const out: T[] = [];
  for await (const { value } of readJsonl<T>(file, opts)) out.push(value);
  return out;
}

/**
 * If a process died mid-write, the last line has no trailing newline. Cut it off so the file
 * again holds only whole records; returns the number of bytes dropped.
 */
export function repairTruncatedTail(file: string): number {
  if (!existsSync(file)) return 0;
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const chunk = Buffer.alloc(Math.min(size, 1 << 16));
    let end = size;
    // Scan backwards for the last newline.
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      const idx = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (idx >= 0) {
        const keep = start + idx + 1;
        if (keep < size) ftruncateSync(fd, keep);
        return size - keep;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
    return size;
  } finally {
    closeSync(fd);
  }
}

/**
 * An append-only JSONL writer. Records appended in one turn of the event loop go to the file in
 * one `write` of whole lines, at the end of that turn (setImmediate: before the loop next waits
 * for I/O or runs a timer), so a crash can only lose the lines of the turn in flight, and cut
 * the last of them short (`repairTruncatedTail` removes that on reopen). Streamed answers
 * finishing together then cost one system call, not one each.
 */
export class JsonlAppender {
  private fd: number;
  private pending: string[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(readonly file: string, opts: { fsync?: boolean } = {}) {
    mkdirSync(dirname(file), { recursive: true });
    repairTruncatedTail(file);
    this.fd = openSync(file, 'a');
    this.fsync = opts.fsync ?? false;
  }

  private readonly fsync: boolean;

  append(record: unknown): void {
    if (this.fd < 0) throw new Error(`${this.file} was closed: a record appended now would be lost`);
    // Model output lands here: written escaped, so `cat`ing a file cannot drive the terminal.
    this.pending.push(safeJson(record) + '\n');
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes the lines appended so far now. */
  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.pending.length === 0 || this.fd < 0) return;
    const lines = this.pending.join('');
    this.pending = [];
    writeSync(this.fd, lines);
    if (this.fsync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      this.flush();
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
