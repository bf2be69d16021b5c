import type { StepId } from '../session.js';
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

/** The implementation of every notebook cell, in STEP_IDS order. */
export const STEPS: Partial<Record<StepId, Step>> = {
  data: dataStep,
  generate: generateStep,
  assemble: assembleStep,
  train: trainStep,
  answer: answerStep,
  perplexity: perplexityStep,
  diversity: diversityStep,
  safety: safetyStep,
  preference: preferenceStep,
};
