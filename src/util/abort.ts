import { setMaxListeners } from 'node:events';

/**
 * An AbortController of our own that aborts with `parent` (at once if it already has), and
 * whose signal takes any number of listeners: every request in flight listens for a cancel,
 * and past 10 Node prints a leak warning over the terminal UI. (Infinity, not 0: Node 20 reads
 * 0 as "not an EventTarget" and undici's fetch then throws.) `release` stops following parent.
 */
export function followAbort(parent: AbortSignal | undefined): { controller: AbortController; release(): void } {
  const controller = unboundedAbortController();
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return { controller, release: () => parent?.removeEventListener('abort', onAbort) };
}

/** An AbortController whose signal takes any number of listeners (see followAbort for why). */
export function unboundedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(Infinity, controller.signal);
  return controller;
}
