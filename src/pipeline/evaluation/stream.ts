import { followAbort } from '../../util/abort.js';
import type { StepEvent } from '../../domain/events.js';
import { EventChannel } from '../../util/event-channel.js';

type Emit = (event: StepEvent) => void;

/**
 * Run concurrent work that reports through `emit`, yielding its events as they come and
 * returning its value. A failure aborts the rest of the work (through the signal it is given)
 * and is rethrown once the events already pushed have been yielded.
 */
export async function* streamWork<T>(signal: AbortSignal, work: (emit: Emit, signal: AbortSignal) => Promise<T>): AsyncGenerator<StepEvent, T> {
  const { controller: abort, release } = followAbort(signal);
  const channel = new EventChannel<StepEvent>();
  const running = work((e) => channel.push(e), abort.signal)
    .catch((err: unknown) => {
      abort.abort(err);
      throw err;
    })
    .finally(() => {
      release();
      channel.close();
    });
  running.catch(() => {}); // observed below, after the events drain
  yield* channel.drain();
  return await running;
}

/** Work whose size is known and reported, waiting to start. */
export interface Prepared<T> {
  run(): Promise<T>;
}

/**
 * Prepare every task (each reports its whole total), then run them all: a cell's task count
 * and totals are known before any work starts, instead of growing as tasks reach their start.
 */
export async function runPrepared<T>(preparing: readonly Promise<Prepared<T>>[]): Promise<T[]> {
  const prepared = await Promise.all(preparing);
  return Promise.all(prepared.map((p) => p.run()));
}
