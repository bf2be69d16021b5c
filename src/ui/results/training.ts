import type { Stat, TrainingRunResult } from '../../pipeline/results.js';
import { describeTrainingData } from '../../domain/training-data.js';

/** One number of a training run, with what it rests on. */
export interface TrainingNumber {
  measure: string;
  stat: Stat;
  note: string;
}

const single = (value: number | null, n: number, reason: string): Stat => (value === null ? { value, lo: null, hi: null, n, reason } : { value, lo: null, hi: null, n });

/**
 * What the Numbers pane and the report say of a run: its last losses (over its steps and its
 * held-out examples), and, for a trainer with a context window, how many examples it trained on
 * out of how many, and how many were cut or left out to fit.
 */
export function trainingNumbers(m: TrainingRunResult): TrainingNumber[] {
  const how = `${m.trainer} trainer${m.device ? ` on ${m.device}` : ''}`;
  const numbers: TrainingNumber[] = [
    { measure: 'final train loss', stat: single(m.loss, m.steps, 'no finite train loss logged'), note: `${how}; n = steps` },
    {
      measure: 'final eval loss',
      stat: single(m.evalLoss, m.data?.held_out ?? m.steps, 'no finite eval loss logged'),
      note: m.data ? 'n = held-out examples' : 'n = steps',
    },
  ];
  if (m.data) numbers.push({ measure: 'examples trained', stat: single(m.data.train, m.data.examples, ''), note: describeTrainingData(m.data) });
  return numbers;
}
