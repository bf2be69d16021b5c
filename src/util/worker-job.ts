/**
 * One CPU-bound job on a worker thread: the event loop (the TUI, the runner, cancel) stays free
 * while it computes, it reports progress as it goes, and an abort terminates the thread at once,
 * mid-loop, instead of waiting for a check the computation would have to make.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';

/** Progress of a job: which phase runs, and its units done and in all. */
export type JobProgress = (phase: string, done: number, total: number) => void;

type FromWorker = { type: 'progress'; phase: string; done: number; total: number } | { type: 'done'; result: unknown } | { type: 'error'; message: string };

/**
 * The worker module `name` beside the module at `from` (its import.meta.url): `.js` in the
 * build, `.ts` when the code runs from its sources (the test suite).
 */
export function workerModule(from: string, name: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/** Starts the worker module `entry` with `input` as its workerData, from the build or (through tsx) from the sources. */
export function startWorker(entry: URL, input: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: input });
  // From the sources (vitest), tsx compiles the worker's modules as vitest compiles the caller's.
  const load = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(load, { eval: true, workerData: input });
}

/**
 * Runs the worker module `entry` (one that calls `serveJob`) on `input` (structured-cloned) and
 * resolves with its result. An abort of `signal` terminates the worker and rejects with the
 * signal's reason; a failure in the job rejects with its message.
 */
export function runWorkerJob<T>(entry: URL, input: unknown, opts: { signal?: AbortSignal; onProgress?: JobProgress } = {}): Promise<T> {
  const { signal, onProgress } = opts;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const worker = startWorker(entry, input);
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      finish();
    };
    const onAbort = () => settle(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: FromWorker) => {
      if (settled) return;
      if (m.type === 'progress') onProgress?.(m.phase, m.done, m.total);
      else if (m.type === 'done') settle(() => resolve(m.result as T));
      else settle(() => reject(new Error(m.message)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`a worker thread exited (code ${code}) before its job finished`))));
  });
}

/** Progress messages are posted at most this often within a phase (a phase's start and end always are). */
const PROGRESS_INTERVAL_MS = 100;

/**
 * `post` throttled for a stream of progress: within a phase at most one call per
 * PROGRESS_INTERVAL_MS, and always a phase's first and last (done 0, done = total).
 */
export function throttledProgress(post: JobProgress): JobProgress {
  let lastPhase = '';
  let lastPost = 0;
  return (phase, done, total) => {
    const now = performance.now();
    if (phase === lastPhase && done !== 0 && done < total && now - lastPost < PROGRESS_INTERVAL_MS) return;
    lastPhase = phase;
    lastPost = now;
    post(phase, done, total);
  };
}

/**
 * The worker side of runWorkerJob: runs `job` on the input the worker was started with and
 * posts its progress (throttled) and its result.
 */
export function serveJob<I, T>(job: (input: I, progress: JobProgress) => T | Promise<T>): void {
  const port = parentPort;
  if (!port) throw new Error('serveJob runs inside a worker thread started by runWorkerJob');
  const progress = throttledProgress((phase, done, total) => port.postMessage({ type: 'progress', phase, done, total } satisfies FromWorker));
  Promise.resolve()
    .then(() => job(workerData as I, progress))
    .then(
      (result) => port.postMessage({ type: 'done', result } satisfies FromWorker),
      (err: unknown) => port.postMessage({ type: 'error', message: (err as Error)?.message ?? String(err) } satisfies FromWorker),
    );
}
