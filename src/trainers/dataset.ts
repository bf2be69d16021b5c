import { existsSync } from 'node:fs';
import type { TrainingExample } from '../domain/example.js';
import { promptMessages } from '../domain/example.js';
import { readJsonlAll } from '../util/jsonl.js';
import { mulberry32, shuffled } from '../util/rng.js';

/** Read an assembled condition dataset; a missing or empty one is a one-line error saying what to run. */
export async function readTrainingExamples(file: string): Promise<TrainingExample[]> {
  if (!existsSync(file)) throw new Error(`no dataset at ${file}: run the assemble step first`);
  const examples = (await readJsonlAll<TrainingExample>(file)).filter(
    (e) => e && typeof e.instruction === 'string' && typeof e.response === 'string',
  );
  if (!examples.length) throw new Error(`${file} has no training examples: rerun the assemble step`);
  return examples;
}

/** Held-out share for evaluation loss, as the hf script uses; none below MIN_FOR_HELD_OUT examples. */
export const HELD_OUT_FRACTION = 0.05;
const MIN_FOR_HELD_OUT = 20;

/** A seeded held-out slice for validation loss. */
export function splitHeldOut(examples: TrainingExample[], seed: number): { train: TrainingExample[]; heldOut: TrainingExample[] } {
  if (examples.length < MIN_FOR_HELD_OUT) return { train: examples, heldOut: [] };
  const order = shuffled(examples, mulberry32(seed));
  const n = Math.max(1, Math.round(examples.length * HELD_OUT_FRACTION));
  return { train: order.slice(n), heldOut: order.slice(0, n) };
}

/** One example as an OpenAI chat fine-tuning line. */
export function chatLine(example: TrainingExample): string {
  const messages = [...promptMessages({ ...example, context: example.context ?? '' }), { role: 'assistant', content: example.response }];
  return JSON.stringify({ messages });
}
