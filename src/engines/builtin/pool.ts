/**
 * The threads that run builtin models' requests (generation, scoring, judging, rating,
 * embedding): as many as the `workerThreads` setting says, all cores by default. Each thread
 * opens a model from its source (the disk cache, the trained delta) on first use and keeps it,
 * so a request's answer is the one the model gives in this thread, byte for byte: every draw
 * is seeded by the request, never by the thread.
 */
import { workerModule } from '../../util/worker-job.js';
import { WorkerPool, type PoolTaskOptions } from '../../util/worker-pool.js';

/** Where a thread finds a builtin model: its base in the cache, and the delta of a trained one. */
export type BuiltinModelSource = { id?: string; cacheDir: string } & ({ base: string } | { modelDir: string });

export type PooledMethod = 'generate' | 'score' | 'embed' | 'judgePair' | 'rate';

/** One request for a thread: a method of the model at `source`, with its (cloneable) arguments. */
export interface PooledCall {
  source: BuiltinModelSource;
  method: PooledMethod;
  args: unknown[];
}

let pool: Promise<WorkerPool> | undefined;

export async function runOnBuiltinPool<T, E = unknown>(call: PooledCall, opts: PoolTaskOptions<E> = {}): Promise<T> {
  // The settings load on the first request, not on import: reading them (conf) hooks process signals.
  pool ??= import('../../settings.js').then(({ workerThreadCount }) => new WorkerPool(workerModule(import.meta.url, 'worker'), workerThreadCount()));
  return (await pool).run<T, E>(call, opts);
}
