/**
 * A fixed number of long-lived worker threads that take tasks in turn: CPU-bound requests run
 * on every core while the event loop (the TUI, the runner, cancel) stays free. Unlike
 * runWorkerJob's thread per job, a pool's threads keep what they loaded (models) between tasks.
 * A task's result depends only on the task, never on which thread ran it or when.
 */
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parentPort, type Worker } from 'node:worker_threads';
import { startWorker, throttledProgress, type JobProgress } from './worker-job.js';

type ToWorker = { id: number; task: unknown };
/** What a job of servePoolJobs reports. */
type JobEvent = { phase: string; done: number; total: number };
type FromWorker = { id: number; type: 'event'; event: unknown } | { id: number; type: 'done'; result: unknown } | { id: number; type: 'error'; message: string };

interface Task {
  id: number;
  input: unknown;
  onEvent?: (event: unknown) => void;
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort: () => void;
  /** When the task was queued and when a thread took it (epoch ms), for the trace. */
  queuedAt: number;
  startedAt?: number;
}

/**
 * Where every finished task's times are appended as a JSON line, when set: what
 * bench/demo/scaling.mjs simulates other core counts from.
 */
const TRACE_FILE = process.env.BASKETS_POOL_TRACE;
const epochMs = () => performance.timeOrigin + performance.now();

export interface PoolTaskOptions<E> {
  /** An abort drops the task: taken off the queue, or its thread stopped at once and replaced. */
  signal?: AbortSignal;
  /** What the task reports while it runs (emit in servePoolTasks). */
  onEvent?: (event: E) => void;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private started = 0;
  private nextId = 1;
  private closed = false;

  /** `entry` is a worker module that calls servePoolTasks; at most `size` threads run it. */
  constructor(
    private readonly entry: URL,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`a worker pool needs at least one thread, not ${size}`);
  }

  /** Runs `input` (structured-cloned) on the next free thread and resolves with its result. */
  run<T, E = unknown>(input: unknown, opts: PoolTaskOptions<E> = {}): Promise<T> {
    const { signal } = opts;
    if (this.closed) return Promise.reject(new Error('the worker pool was closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        id: this.nextId++,
        input,
        onEvent: opts.onEvent as ((event: unknown) => void) | undefined,
        resolve: resolve as (result: unknown) => void,
        reject,
        signal,
        onAbort: () => this.abort(task),
        queuedAt: epochMs(),
      };
      signal?.addEventListener('abort', task.onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stops every thread: tasks running or waiting reject. A closed pool takes no more tasks. */
  close(): void {
    this.closed = true;
    const closed = new Error('the worker pool was closed');
    for (const task of this.queue.splice(0)) {
      this.detach(task);
      task.reject(closed);
    }
    for (const [worker, task] of this.running) {
      this.detach(task);
      task.reject(closed);
      void worker.terminate();
    }
    for (const worker of this.idle) void worker.terminate();
    this.running.clear();
    this.idle.length = 0;
    this.started = 0;
  }

  /** Runs a job of a servePoolJobs worker, its (throttled) progress to `onProgress`. */
  runJob<T>(input: unknown, opts: { signal?: AbortSignal; onProgress?: JobProgress } = {}): Promise<T> {
    const { onProgress } = opts;
    return this.run<T, JobEvent>(input, { signal: opts.signal, onEvent: onProgress && ((e) => onProgress(e.phase, e.done, e.total)) });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.started < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const task = this.queue.shift()!;
      this.running.set(worker, task);
      task.startedAt = epochMs();
      // A busy thread keeps the process alive until its answer arrives; an idle one does not.
      worker.ref();
      worker.postMessage({ id: task.id, task: task.input } satisfies ToWorker);
    }
  }

  private spawn(): Worker {
    const worker = startWorker(this.entry, undefined);
    this.started++;
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      const task = this.running.get(worker);
      if (!task || task.id !== m.id) return;
      if (m.type === 'event') {
        task.onEvent?.(m.event);
        return;
      }
      if (TRACE_FILE) appendFileSync(TRACE_FILE, JSON.stringify({ pool: basename(this.entry.pathname), queued: task.queuedAt, started: task.startedAt, ended: epochMs() }) + '\n');
      this.detach(task);
      this.release(worker);
      if (m.type === 'done') task.resolve(m.result);
      else task.reject(new Error(m.message));
    });
    const lost = (err: Error) => {
      if (!this.retire(worker)) return;
      const task = this.running.get(worker);
      this.running.delete(worker);
      if (task) {
        this.detach(task);
        task.reject(err);
      }
      this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a worker thread exited (code ${code}) while it ran a task`)));
    return worker;
  }

  private detach(task: Task): void {
    task.signal?.removeEventListener('abort', task.onAbort);
  }

  private release(worker: Worker): void {
    this.running.delete(worker);
    worker.unref();
    this.idle.push(worker);
    this.dispatch();
  }

  /** Forgets a thread (stopped or lost); false if it was already forgotten. */
  private retire(worker: Worker): boolean {
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    else if (!this.running.has(worker)) return false;
    this.started--;
    return true;
  }

  private abort(task: Task): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    for (const [worker, running] of this.running) {
      if (running !== task) continue;
      // The thread is mid-computation and checks nothing: stop it, and start another for the queue.
      this.retire(worker);
      this.running.delete(worker);
      void worker.terminate();
    }
    task.reject(task.signal!.reason);
    this.dispatch();
  }
}

/**
 * The worker side of WorkerPool: runs each task with `handle` (one at a time, as the pool sends
 * them) and posts its events and its result.
 */
export function servePoolTasks<I>(handle: (input: I, emit: (event: unknown) => void) => unknown): void {
  const port = parentPort;
  if (!port) throw new Error('servePoolTasks runs inside a worker thread started by WorkerPool');
  port.on('message', ({ id, task }: ToWorker) => {
    const post = (m: FromWorker) => port.postMessage(m);
    Promise.resolve()
      .then(() => handle(task as I, (event) => post({ id, type: 'event', event })))
      .then(
        (result) => post({ id, type: 'done', result }),
        (err: unknown) => post({ id, type: 'error', message: (err as Error)?.message ?? String(err) }),
      );
  });
}

/** servePoolTasks for jobs that report their phases' progress, throttled as serveJob's is. */
export function servePoolJobs<I>(job: (input: I, progress: JobProgress) => unknown): void {
  servePoolTasks<I>((input, emit) => job(input, throttledProgress((phase, done, total) => emit({ phase, done, total } satisfies JobEvent))));
}

/** A pool made on its first use, with `size()` threads, and shared by every caller until closed. */
export interface LazyWorkerPool {
  get(): Promise<WorkerPool>;
  /** Stops the pool's threads (what they loaded goes with them); the next use starts a new pool. */
  close(): void;
}

export function lazyWorkerPool(entry: URL, size: () => number | Promise<number>): LazyWorkerPool {
  let pool: Promise<WorkerPool> | undefined;
  return {
    get: () => (pool ??= Promise.resolve(size()).then((n) => new WorkerPool(entry, n))),
    close() {
      void pool?.then((p) => p.close());
      pool = undefined;
    },
  };
}
