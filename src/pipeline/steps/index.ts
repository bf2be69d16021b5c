import { switchedOff, type ResultName } from '../results.js';
import type { StepId } from '../../domain/session.js';
import type { Step } from '../step.js';
import { answerStep } from './answer.js';
import { assembleStep } from './assemble.js';
import { dataStep } from './data.js';
import { diversityStep } from './diversity.js';
import { generateStep } from './generate.js';
import { perplexityStep } from './perplexity.js';
import { preferenceStep } from './preference.js';
import { safetyStep } from './safety.js';
import { trainStep } from './train.js';

/** The evaluation step, unless the session switched it off: then only a summary naming the switch. */
function unlessSwitchedOff(name: ResultName, step: Step): Step {
  return async function* (ctx) {
    const off = switchedOff(ctx.session)[name];
    if (off) {
      yield { type: 'summary', text: `${name} evaluation is off (${off})` };
      return;
    }
    yield* step(ctx);
  };
}

/** The implementation of every notebook cell, in STEP_IDS order. */
export const STEPS: Partial<Record<StepId, Step>> = {
  data: dataStep,
  generate: generateStep,
  assemble: assembleStep,
  train: trainStep,
  answer: answerStep,
  perplexity: unlessSwitchedOff('perplexity', perplexityStep),
  diversity: unlessSwitchedOff('diversity', diversityStep),
  safety: unlessSwitchedOff('safety', safetyStep),
  preference: unlessSwitchedOff('preference', preferenceStep),
};
