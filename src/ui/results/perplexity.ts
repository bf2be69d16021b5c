import type { PerplexityModelResult } from '../../pipeline/results.js';
import { drawMetric, metricTable, type MetricDef } from './metrics.js';
import { need, type PaneModel } from './model.js';

/** The paper's mean per-response perplexity first; corpus perplexity and bits per byte beside it. */
// Lower: the model finds the human test text less surprising, so it has kept more of that distribution.
const FITS_HUMAN = { better: 'lower', why: 'fits human text' } as const;
export const PERPLEXITY_METRICS: MetricDef<PerplexityModelResult>[] = [
  { label: 'mean perplexity', direction: FITS_HUMAN, pick: (m) => m.mean },
  { label: 'corpus perplexity', direction: FITS_HUMAN, pick: (m) => m.corpus },
  { label: 'bits per byte', direction: FITS_HUMAN, pick: (m) => m.bitsPerByte },
];

function notes(errors: number): string[] {
  return errors > 0 ? [`${errors} responses failed to score (retry with --retry-errors)`] : [];
}

export const perplexityPane: PaneModel = {
  id: 'perplexity',
  scrolls: { head: 0, foot: 1 },
  title: 'Perplexity on human test text',
  needs: ['perplexity'],
  views: () => PERPLEXITY_METRICS.map((m) => m.label),
  draw: (loaded, view, opts) => drawMetric(need(loaded, 'perplexity').models, PERPLEXITY_METRICS[view], opts),
  table: (loaded, view) => {
    const file = need(loaded, 'perplexity');
    return metricTable('perplexity', 'Perplexity on human test text', file.models, PERPLEXITY_METRICS[view], perplexityPane.notes(loaded));
  },
  notes: (loaded) => notes(need(loaded, 'perplexity').models.reduce((s, m) => s + m.errors, 0)),
};
