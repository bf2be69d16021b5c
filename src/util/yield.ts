/**
 * Let the event loop run timers, signals and I/O. CPU-bound work that only awaits microtasks
 * starves them: a cancel (SIGTERM, the cancel marker) or an HTTP request would wait until the
 * work is done. A macrotask boundary per unit of work keeps the process responsive.
 */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** CPU-bound work written as a generator that pauses (`yield`) now and then, returning its result. */
export type Pausable<T> = Generator<void, T, void>;

/** Run pausable work straight through (where nothing else needs the event loop). */
export function runToEnd<T>(work: Pausable<T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

/**
 * Run pausable work, giving the event loop a turn every `sliceMs` and stopping there when
 * `signal` is aborted: a cancel reaches seconds of table building within a slice.
 */
export async function runCooperatively<T>(work: Pausable<T>, signal?: AbortSignal, sliceMs = 50): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
  }
}
