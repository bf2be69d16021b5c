import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/util/worker-pool.js';

const entry = new URL('./fixtures/spin-worker.ts', import.meta.url);
const spin = (pool: WorkerPool, value: string, spinMs: number, signal?: AbortSignal, onEvent?: (e: unknown) => void) =>
  pool.run<string>({ kind: 'spin', value, spinMs }, { signal, onEvent });
/** An onEvent for a task, and a promise of the moment its thread begins it (its first event). */
function beginning(): { onEvent: (e: unknown) => void; began: Promise<void> } {
  let onEvent = (_e: unknown) => {};
  const began = new Promise<void>((resolve) => (onEvent = () => resolve()));
  return { onEvent, began };
}

describe('WorkerPool', () => {
  it('runs the tasks sent ahead to a thread in order, and drops one cancelled before it began', async () => {
    const pool = new WorkerPool(entry, 1);
    const first = beginning();
    const cancel = new AbortController();
    // a runs long enough for the cancel of b, sent ahead behind it, to reach its thread first.
    const a = spin(pool, 'a', 1500, undefined, first.onEvent);
    const b = spin(pool, 'b', 0, cancel.signal);
    const c = spin(pool, 'c', 0);
    await first.began;
    cancel.abort(new Error('b cancelled'));
    await expect(b).rejects.toThrow('b cancelled');
    expect(await a).toBe('a');
    expect(await c).toBe('c');
    // The thread never ran b: its cancel reached it before it could begin.
    expect(await pool.run({ kind: 'ran' })).toEqual(['a', 'c']);
    pool.close();
  });

  it('stops a thread whose running task is cancelled and runs what was sent ahead to it on another', async () => {
    const pool = new WorkerPool(entry, 1);
    const first = beginning();
    const cancel = new AbortController();
    const a = spin(pool, 'a', 60_000, cancel.signal, first.onEvent);
    const b = spin(pool, 'b', 0);
    await first.began;
    cancel.abort(new Error('a cancelled'));
    await expect(a).rejects.toThrow('a cancelled');
    expect(await b).toBe('b');
    // A new thread: it has run b alone.
    expect(await pool.run({ kind: 'ran' })).toEqual(['b']);
    pool.close();
  });

  it('answers every task of a long queue on all its threads, each with its own result', async () => {
    const pool = new WorkerPool(entry, 3);
    const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
    expect(await Promise.all(values.map((v, i) => spin(pool, v, i % 3)))).toEqual(values);
    const closing = spin(pool, 'late', 60_000);
    pool.close();
    await expect(closing).rejects.toThrow('the worker pool was closed');
    await expect(spin(pool, 'after', 0)).rejects.toThrow('the worker pool was closed');
  });

  it('tells a task that stops itself of its cancel, passes on its last events, then rejects it, and its thread goes on', async () => {
    const pool = new WorkerPool(entry, 1);
    const events: unknown[] = [];
    const first = beginning();
    const cancel = new AbortController();
    const task = pool.run({ kind: 'until-cancelled' }, { signal: cancel.signal, stopsItself: true, onEvent: (e) => (events.push(e), first.onEvent(e)) });
    await first.began;
    cancel.abort(new Error('stopped by the user'));
    await expect(task).rejects.toThrow('stopped by the user');
    expect(events).toEqual(['started', 'saved a checkpoint']);
    // The same thread: it was asked to stop, not stopped.
    expect(await spin(pool, 'next', 0)).toBe('next');
    expect(await pool.run({ kind: 'ran' })).toEqual(['next']);
    pool.close();
  });
});
