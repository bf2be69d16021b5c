/**
 * Let the event loop run timers, signals and I/O. CPU-bound work that only awaits microtasks
 * starves them: a cancel (SIGTERM, the cancel marker) or an HTTP request would wait until the
 * work is done. A macrotask boundary per unit of work keeps the process responsive.
 */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
