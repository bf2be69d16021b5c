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

/** A task to run, or word that one sent ahead is cancelled (dropped if it has not begun). */
type ToWorker = { id: number; task: unknown } | { cancel: number };
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
  /** It stops itself on a cancel (PoolTaskOptions.stopsItself); `cancelled` once told to. */
  stopsItself: boolean;
  cancelled?: boolean;
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
  /** An abort drops the task: taken off the queue (or its thread's, if it has not begun there), or its thread stopped at once and replaced. */
  signal?: AbortSignal;
  /** What the task reports while it runs (emit in servePoolTasks). */
  onEvent?: (event: E) => void;
  /**
   * The task watches the signal its handler is given and, on an abort, stops where it chooses
   * (after saving a checkpoint), instead of its thread being stopped mid-computation; it
   * rejects with the abort's reason once it has.
   */
  stopsItself?: boolean;
}

/**
 * Tasks a thread holds at once: the one it runs and the next, sent ahead, so that it starts the
 * next the moment it finishes instead of waiting for this thread's event loop to send it one.
 */
const TASKS_PER_THREAD = 2;

export class WorkerPool {
  /** Every live thread, with the tasks sent to it in the order it runs them: the first is running. */
  private readonly threads = new Map<Worker, Task[]>();
  private readonly queue: Task[] = [];
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
        stopsItself: opts.stopsItself ?? false,
        queuedAt: epochMs(),
      };
      signal?.addEventListener('abort', task.onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Runs a job of a servePoolJobs worker, its (throttled) progress to `onProgress`. */
  runJob<T>(input: unknown, opts: { signal?: AbortSignal; onProgress?: JobProgress } = {}): Promise<T> {
    const { onProgress } = opts;
    return this.run<T, JobEvent>(input, { signal: opts.signal, onEvent: onProgress && ((e) => onProgress(e.phase, e.done, e.total)) });
  }

  /** Stops every thread: tasks running or waiting reject. A closed pool takes no more tasks. */
  close(): void {
    this.closed = true;
    const closed = new Error('the worker pool was closed');
    const tasks = [...this.queue.splice(0), ...[...this.threads.values()].flat()];
    for (const worker of this.threads.keys()) void worker.terminate();
    this.threads.clear();
    for (const task of tasks) {
      this.detach(task);
      task.reject(closed);
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.nextThread();
      if (!worker) return;
      const task = this.queue.shift()!;
      const tasks = this.threads.get(worker)!;
      tasks.push(task);
      if (tasks.length === 1) task.startedAt = epochMs();
      // A busy thread keeps the process alive until its answer arrives; an idle one does not.
      worker.ref();
      worker.postMessage({ id: task.id, task: task.input } satisfies ToWorker);
    }
  }

  /** A thread with nothing to do, else a new one, else one that can take a task ahead; none if all are full. */
  private nextThread(): Worker | undefined {
    let least: Worker | undefined;
    let held = Infinity;
    for (const [worker, tasks] of this.threads) {
      if (tasks.length < held) [least, held] = [worker, tasks.length];
    }
    if (held === 0) return least;
    if (this.threads.size < this.size) return this.spawn();
    return held < TASKS_PER_THREAD ? least : undefined;
  }

  private spawn(): Worker {
    const worker = startWorker(this.entry, undefined);
    this.threads.set(worker, []);
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      const tasks = this.threads.get(worker);
      const at = tasks?.findIndex((t) => t.id === m.id) ?? -1;
      // A task cancelled after it was sent ahead may have run anyway: its answer is dropped.
      if (!tasks || at < 0) return;
      const task = tasks[at];
      if (m.type === 'event') {
        task.onEvent?.(m.event);
        return;
      }
      if (TRACE_FILE) appendFileSync(TRACE_FILE, JSON.stringify({ pool: basename(this.entry.pathname), queued: task.queuedAt, started: task.startedAt, ended: epochMs() }) + '\n');
      tasks.splice(at, 1);
      if (tasks.length > 0) tasks[0].startedAt ??= epochMs();
      else worker.unref();
      this.detach(task);
      this.dispatch();
      if (task.cancelled) task.reject(task.signal!.reason);
      else if (m.type === 'done') task.resolve(m.result);
      else task.reject(new Error(m.message));
    });
    const lost = (err: Error) => {
      const tasks = this.threads.get(worker);
      if (!tasks) return;
      this.threads.delete(worker);
      // The task it ran fails with it; those sent ahead had not begun, and go back to the queue.
      const [running, ...ahead] = tasks;
      this.queue.unshift(...ahead);
      if (running) {
        this.detach(running);
        running.reject(err);
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

  private abort(task: Task): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    for (const [worker, tasks] of this.threads) {
      const at = tasks.indexOf(task);
      if (at < 0) continue;
      if (at === 0 && task.stopsItself) {
        // It stops itself and is rejected when it has: its last events (a checkpoint) still count.
        task.cancelled = true;
        worker.postMessage({ cancel: task.id } satisfies ToWorker);
        return;
      }
      if (at === 0) {
        // The thread is mid-computation and checks nothing: stop it (another starts for the
        // queue), and what was sent ahead to it goes back to the front of the queue.
        this.threads.delete(worker);
        void worker.terminate();
        this.queue.unshift(...tasks.slice(1));
      } else {
        tasks.splice(at, 1);
        worker.postMessage({ cancel: task.id } satisfies ToWorker);
      }
    }
    task.reject(task.signal!.reason);
    this.dispatch();
  }
}

/**
 * The worker side of WorkerPool: runs each task with `handle`, one at a time in the order they
 * came, and posts its events and its result. `signal` aborts when the pool cancels a task that
 * stops itself.
 */
export function servePoolTasks<I>(handle: (input: I, emit: (event: unknown) => void, signal: AbortSignal) => unknown): void {
  const port = parentPort;
  if (!port) throw new Error('servePoolTasks runs inside a worker thread started by WorkerPool');
  const waiting: { id: number; task: unknown }[] = [];
  let running: { id: number; cancel: AbortController } | undefined;
  const runNext = () => {
    const next = waiting.shift();
    if (!next) {
      running = undefined;
      return;
    }
    running = { id: next.id, cancel: new AbortController() };
    const { id, task } = next;
    const { signal } = running.cancel;
    const post = (m: FromWorker) => port.postMessage(m);
    Promise.resolve()
      .then(() => handle(task as I, (event) => post({ id, type: 'event', event }), signal))
      .then(
        (result) => post({ id, type: 'done', result }),
        (err: unknown) => post({ id, type: 'error', message: (err as Error)?.message ?? String(err) }),
      )
      // Next on a later turn, after the messages already here: a cancel of the next task is one.
      .then(() => setImmediate(runNext));
  };
  port.on('message', (m: ToWorker) => {
    if ('cancel' in m) {
      // A task that stops itself hears it through its signal; one that has not begun is dropped.
      if (running?.id === m.cancel) running.cancel.abort(new Error('cancelled'));
      const at = waiting.findIndex((w) => w.id === m.cancel);
      if (at >= 0) waiting.splice(at, 1);
      return;
    }
    waiting.push(m);
    if (!running) runNext();
  });
}

/** servePoolTasks for jobs that report their phases' progress, throttled as serveJob's is. */
export function servePoolJobs<I>(job: (input: I, progress: JobProgress) => unknown): void {
  servePoolTasks<I>((input, emit) => job(input, throttledProgress((phase, done, total) => emit({ phase, done, total } satisfies JobEvent))));
}

/** A pool made on its first use, with `size()` threads, and shared by every caller until closed. */
export interface LazyWorkerPool {
  get(): WorkerPool;
  /** Stops the pool's threads (what they loaded goes with them); the next use starts a new pool. */
  close(): void;
}

export function lazyWorkerPool(entry: URL, size: () => number): LazyWorkerPool {
  let pool: WorkerPool | undefined;
  return {
    get: () => (pool ??= new WorkerPool(entry, size())),
    close() {
      pool?.close();
      pool = undefined;
    },
  };
}
