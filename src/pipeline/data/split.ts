import { deriveSeed, mulberry32, sample, shuffled } from '../../util/rng.js';
import type { Example } from '../../domain/example.js';

export interface Split {
  train: Example[];
  test: Example[];
}

/**
 * Seeded train/test split, after an optional seeded subsample. The same records, seed and
 * fraction always give the same split; both halves keep the source order for readability.
 */
export function splitExamples(examples: Example[], opts: { seed: number; testFraction: number; subsample?: number }): Split {
  let pool = examples;
  if (opts.subsample !== undefined && opts.subsample < pool.length) {
    const keep = new Set(sample(pool, opts.subsample, mulberry32(deriveSeed(opts.seed, 'subsample'))).map((e) => e.id));
    pool = pool.filter((e) => keep.has(e.id));
  }
  if (pool.length < 2) return { train: pool, test: [] };
  const nTest = Math.min(pool.length - 1, Math.max(1, Math.round(pool.length * opts.testFraction)));
  const testIds = new Set(shuffled(pool, mulberry32(deriveSeed(opts.seed, 'split'))).slice(0, nTest).map((e) => e.id));
  return { train: pool.filter((e) => !testIds.has(e.id)), test: pool.filter((e) => testIds.has(e.id)) };
}
