import type { StepId } from '../session.js';
import type { Step } from '../step.js';
import { assembleStep } from './assemble.js';
import { dataStep } from './data.js';
import { generateStep } from './generate.js';
import { trainStep } from './train.js';

/** The implementation of every notebook cell, in STEP_IDS order. */
export const STEPS: Partial<Record<StepId, Step>> = {
  data: dataStep,
  generate: generateStep,
  assemble: assembleStep,
  train: trainStep,
};
