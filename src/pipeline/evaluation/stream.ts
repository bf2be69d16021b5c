import { setMaxListeners } from 'node:events';
import type { StepEvent } from '../events.js';
import { EventChannel } from '../generation/channel.js';

type Emit = (event: StepEvent) => void;

/**
 * Run concurrent work that reports through `emit`, yielding its events as they come and
 * returning its value. A failure aborts the rest of the work (through the signal it is given)
 * and is rethrown once the events already pushed have been yielded.
 */
export async function* streamWork<T>(signal: AbortSignal, work: (emit: Emit, signal: AbortSignal) => Promise<T>): AsyncGenerator<StepEvent, T> {
  const abort = new AbortController();
  // Every request in flight listens for a cancel: past 10, Node prints a leak warning over the
  // terminal UI. Infinity, not 0: Node 20 reads 0 as "not an EventTarget" and undici's fetch throws.
  setMaxListeners(Infinity, abort.signal);
  const onAbort = () => abort.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const channel = new EventChannel<StepEvent>();
  const running = work((e) => channel.push(e), abort.signal)
    .catch((err: unknown) => {
      abort.abort(err);
      throw err;
    })
    .finally(() => {
      signal.removeEventListener('abort', onAbort);
      channel.close();
    });
  running.catch(() => {}); // observed below, after the events drain
  yield* channel.drain();
  return await running;
}
