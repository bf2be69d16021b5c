/**
 * The threads that pretrain and train builtin models and run their requests (generation,
 * scoring, judges' likelihoods, rating, embedding): as many as the `workerThreads` setting
 * says, all cores by default. Each thread opens a model from its source (the disk cache, the
 * trained delta) on first use and keeps it, so a request's answer is the one the model gives
 * in this thread, byte for byte: every draw is seeded by the request, never by the thread.
 */
import { workerModule } from '../../util/worker-job.js';
import { workerThreadCount } from '../../settings.js';
import { lazyWorkerPool, type PoolTaskOptions } from '../../util/worker-pool.js';

/** Where a thread finds a builtin model: its base in the cache, and the delta of a trained one. */
export type BuiltinModelSource = { id?: string; cacheDir: string } & ({ base: string } | { modelDir: string });

export type PooledMethod = 'generate' | 'score' | 'embed' | 'likelihood' | 'rate';
/** Work that makes a model rather than asks one: a family's tokenizer or a base's pretraining (written to the cache), or a continued training (written to its folder). */
export type MakingMethod = 'tokenizer' | 'pretrain' | 'train';

/** One request for a thread: a method of the model at `source`, with its (cloneable) arguments. */
export interface PooledCall {
  source: BuiltinModelSource;
  method: PooledMethod | MakingMethod;
  args: unknown[];
}

// Sized on first use, by the setting as it is then.
const pool = lazyWorkerPool(workerModule(import.meta.url, 'worker'), workerThreadCount);

export function runOnBuiltinPool<T, E = unknown>(call: PooledCall, opts: PoolTaskOptions<E> = {}): Promise<T> {
  return pool.get().run<T, E>(call, opts);
}

/** Stops the pool's threads and forgets the models they opened; the next request starts afresh. */
export function closeBuiltinPool(): void {
  pool.close();
}
