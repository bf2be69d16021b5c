import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent, SkippedLine } from '../../src/domain/events.js';
import { followEvents } from '../../src/pipeline/follow.js';
import { lastRunStatus, tailEvents } from '../../src/pipeline/status.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('baskets-events-');

const start = { type: 'run-start', t: 1_000, runId: 'r1', pid: 42, steps: ['data'] };
const log = (message: string, t = 2_000) => ({ type: 'log', t, runId: 'r1', step: 'data', level: 'info', message });
const finish = { type: 'run-finish', t: 3_000, runId: 'r1', status: 'done' };
const line = (record: unknown) => JSON.stringify(record) + '\n';

/** Follow `file`, resolving once `until` holds for everything delivered so far. */
function follow(file: string) {
  const events: RunEvent[] = [];
  const skipped: SkippedLine[] = [];
  let wake = () => {};
  const follower = followEvents(
    file,
    (batch) => {
      events.push(...batch);
      wake();
    },
    {
      pollMs: 20,
      onSkipped: (lines) => {
        skipped.push(...lines);
        wake();
      },
    },
  );
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      wake = () => done() && resolve();
      wake();
    });
  return { events, skipped, until, close: () => follower.close() };
}

describe('following an event log', () => {
  it('keeps a character whose bytes arrive in two reads whole', async () => {
    const file = join(tmp(), 'events.jsonl');
    const text = Buffer.from(line(log('crème brûlée 🥚 done')));
    const split = text.indexOf(Buffer.from('🥚')) + 2; // inside the egg's four bytes
    writeFileSync(file, Buffer.concat([Buffer.from(line(start)), text.subarray(0, split)]));
    const f = follow(file);
    // The first read has delivered run-start, so it also read the first half of the egg.
    await f.until(() => f.events.length === 1);
    appendFileSync(file, text.subarray(split));
    await f.until(() => f.events.length === 2);
    f.close();
    expect(f.events[1]).toMatchObject({ type: 'log', message: 'crème brûlée 🥚 done' });
    expect(f.skipped).toEqual([]);
  });

  it('skips and counts lines that hold no event, and goes on following', async () => {
    const file = join(tmp(), 'events.jsonl');
    const { t: _t, ...noTime } = log('no time');
    writeFileSync(file, [line(start), line(noTime), '{"type": "log", "t": 5\n', '\n', line({ ...log('x'), type: 'from-the-future' }), line([1, 2]), line(log('too late', 1e20)), line(log('kept'))].join(''));
    const f = follow(file);
    await f.until(() => f.events.length === 2 && f.skipped.length === 5);
    appendFileSync(file, line({ ...finish, status: 'mostly' }) + line(finish));
    await f.until(() => f.events.length === 3 && f.skipped.length === 6);
    f.close();
    expect(f.events.map((e) => e.type)).toEqual(['run-start', 'log', 'run-finish']);
    expect(f.skipped).toEqual([
      { line: 2, problem: '"t" is missing' },
      { line: 3, problem: 'not valid JSON' },
      { line: 5, problem: 'unknown event type "from-the-future"' },
      { line: 6, problem: 'not an event (a JSON object with a "type")' },
      // A time no Date can hold once crashed `baskets attach` with "Invalid time value".
      { line: 7, problem: expect.stringMatching(/^"t": Too big/) },
      { line: 9, problem: expect.stringMatching(/^"status": .*"done"/) },
    ]);
  });

  it('numbers no line when it starts following part-way through the file', async () => {
    const file = join(tmp(), 'events.jsonl');
    writeFileSync(file, line(start));
    const events: RunEvent[] = [];
    const skipped: SkippedLine[] = [];
    let wake = () => {};
    const follower = followEvents(file, (b) => (events.push(...b), wake()), { fromStart: false, pollMs: 20, onSkipped: (s) => (skipped.push(...s), wake()) });
    appendFileSync(file, '{"type":"log"}\n' + line(finish));
    await new Promise<void>((resolve) => {
      wake = () => events.length === 1 && skipped.length === 1 && resolve();
      wake();
    });
    follower.close();
    expect(events).toEqual([finish]);
    expect(skipped).toEqual([{ line: null, problem: '"t" is missing' }]);
  });
});

describe('the status of a session from its log', () => {
  it('ignores lines that hold no event instead of taking them for the last run', () => {
    const dir = tmp();
    const file = sessionPaths(dir).events;
    // A run-finish without its status once made the session's status undefined.
    writeFileSync(file, line(start) + line(finish) + line(start) + line({ type: 'run-finish', t: 9, runId: 'r1' }) + '{"type": "run-fin');
    expect(lastRunStatus(dir)).toBe('interrupted');
  });

  it('reads a tail that starts inside a character from the next whole line', () => {
    const file = join(tmp(), 'events.jsonl');
    const first = line(log('ééééé'));
    const second = line(log('après'));
    writeFileSync(file, first + second);
    // Start the tail one byte into the last "é" of the first line.
    const maxBytes = Buffer.byteLength(second) + Buffer.byteLength(first.slice(first.lastIndexOf('é') + 1)) + 1;
    expect(tailEvents(file, maxBytes)).toEqual([log('après')]);
  });
});
