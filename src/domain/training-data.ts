import { z } from 'zod';

/**
 * What the hf trainer does with an example longer than its window: cut the end of the prompt so
 * the whole response is learnt, cut the end of the response, or leave the example out.
 */
export const OverlongPolicy = z.enum(['truncate-prompt', 'truncate-response', 'drop']);
export type OverlongPolicy = z.infer<typeof OverlongPolicy>;

/**
 * What became of a dataset's examples in a trainer with a context window (the hf trainer's
 * `data.json`, snake_case as the script writes it): how many it trained on and held out, and
 * how many did not fit in `max_length` and were cut (by the `overlong` policy) or left out.
 */
export const TrainingData = z.object({
  examples: z.number().int().nonnegative(),
  train: z.number().int().nonnegative(),
  held_out: z.number().int().nonnegative(),
  train_tokens: z.number().int().nonnegative(),
  max_length: z.number().int().positive(),
  overlong: OverlongPolicy,
  prompt_truncated: z.number().int().nonnegative(),
  response_truncated: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  /** Examples whose response has no tokens at all (nothing to learn from). */
  empty: z.number().int().nonnegative(),
});
export type TrainingData = z.infer<typeof TrainingData>;

/** Where a training process runs, as it says itself once it has looked. */
export const TrainingDevice = z.object({
  device: z.enum(['cpu', 'cuda']),
  /** The CUDA device's name. */
  name: z.string().optional(),
  /** CPU threads per process. */
  threads: z.number().int().positive().optional(),
  processes: z.number().int().positive(),
  dtype: z.string(),
  torch: z.string(),
  transformers: z.string(),
});
export type TrainingDevice = z.infer<typeof TrainingDevice>;

/** Examples that did not go into training whole: cut to fit, or left out. */
export function examplesNotWhole(d: TrainingData): number {
  return d.prompt_truncated + d.response_truncated + d.dropped + d.empty;
}

/**
 * One line on how the examples fit the window: "171 trained, 9 held out; of 180, 63 had their
 * prompt cut and 111 their response cut to fit 512 tokens (overlong: truncate-prompt)".
 */
export function describeTrainingData(d: TrainingData): string {
  const head = `${d.train} trained, ${d.held_out} held out`;
  const cut = [
    d.prompt_truncated ? `${d.prompt_truncated} had their prompt cut` : '',
    d.response_truncated ? `${d.response_truncated} their response cut` : '',
    d.dropped ? `${d.dropped} were left out` : '',
  ].filter(Boolean);
  const empty = d.empty ? `; ${d.empty} with an empty response left out` : '';
  if (!cut.length) return `${head}; all ${d.examples} fit in ${d.max_length} tokens${empty}`;
  return `${head}; of ${d.examples}, ${cut.join(', ')} to fit ${d.max_length} tokens (overlong: ${d.overlong})${empty}`;
}

/** "the CPU (2 processes × 1 thread, float32, torch 2.13.0+cpu)" or "2 × NVIDIA H100 (bfloat16, …)". */
export function describeDevice(d: TrainingDevice): string {
  const versions = `torch ${d.torch}, transformers ${d.transformers}`;
  if (d.device === 'cpu') {
    const threads = d.threads ? ` × ${d.threads} thread${d.threads === 1 ? '' : 's'}` : '';
    return `the CPU, no CUDA device visible (${d.processes} process${d.processes === 1 ? '' : 'es'}${threads}, ${d.dtype}, ${versions})`;
  }
  return `${d.processes} × ${d.name ?? 'CUDA device'} (${d.dtype}, ${versions})`;
}
