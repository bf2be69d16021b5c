/**
 * Continued training of a builtin model on a thread of the pool: its events stream back as they
 * come, this thread stays free, and several conditions train on several cores at once. A cancel
 * reaches the trainer, which saves a checkpoint before it stops, as it does in this thread.
 */
import { eventsUntilSettled } from '../../util/event-channel.js';
import { builtinCacheDir } from './cache.js';
import { runOnBuiltinPool } from './pool.js';
import type { Progress } from './pretrain.js';
import type { BuiltinTrainEvent, BuiltinTrainOptions } from './train.js';

/** The trainer's events, and the pretraining progress of a base not cached yet. */
export type PooledTrainEvent = BuiltinTrainEvent | { type: 'pretraining'; progress: Progress };

/** What a pool thread needs to train: the options without what lives on this thread. */
export type PooledTrainOptions = Omit<BuiltinTrainOptions, 'signal' | 'onProgress' | 'cacheDir'>;

export async function* trainBuiltinOnPool(opts: Omit<BuiltinTrainOptions, 'onProgress'>): AsyncGenerator<PooledTrainEvent> {
  const { signal, cacheDir = builtinCacheDir(), ...train } = opts;
  // A caller that stops reading (after a cancel) returns once the trainer has stopped, its
  // checkpoint saved, so nothing else writes to its folder meanwhile.
  yield* eventsUntilSettled<PooledTrainEvent, null>((push) =>
    runOnBuiltinPool({ source: { cacheDir, base: opts.base }, method: 'train', args: [train satisfies PooledTrainOptions] }, { signal, stopsItself: true, onEvent: push }),
  );
}
