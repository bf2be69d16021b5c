import { diversityPane } from './diversity.js';
import { heapsPane } from './heaps.js';
import type { PaneModel } from './model.js';
import { numbersPane } from './numbers.js';
import { perplexityPane } from './perplexity.js';
import { preferencePane } from './preference.js';
import { safetyPane } from './safety.js';

/** The Results grid, in reading order. */
export const RESULT_PANES: readonly PaneModel[] = [perplexityPane, diversityPane, heapsPane, safetyPane, preferencePane, numbersPane];
