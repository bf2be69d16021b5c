import type { DiversityModelResult, Stat } from '../../pipeline/results.js';
import { drawMetric, metricTable, type MetricDef } from './metrics.js';
import { need, type PaneModel } from './model.js';

function semantic(pick: (s: NonNullable<DiversityModelResult['semantic']>) => Stat): (m: DiversityModelResult) => Stat {
  return (m) => (m.semantic ? pick(m.semantic) : { value: null, lo: null, hi: null, n: 0, reason: m.semanticReason ?? 'no embeddings' });
}

/** What a paired comparison of the paper's lexical diversity measures, in every table that shows one. */
export const LEXICAL_DIVERSITY_DIFFERENCE = 'lexical diversity difference';

/** The paper's lexical diversity first, then the extended lexical and semantic measures. */
export const DIVERSITY_METRICS: MetricDef<DiversityModelResult>[] = [
  { label: 'lexical diversity (100 - Self-BLEU)', pick: (m) => m.lexical.lexicalDiversity },
  { label: 'distinct-1', pick: (m) => m.lexical.distinct[1] },
  { label: 'distinct-2', pick: (m) => m.lexical.distinct[2] },
  { label: 'distinct-3', pick: (m) => m.lexical.distinct[3] },
  { label: 'distinct-4', pick: (m) => m.lexical.distinct[4] },
  { label: 'MATTR', pick: (m) => m.lexical.mattr },
  { label: 'MTLD', pick: (m) => m.lexical.mtld },
  { label: 'TTR', pick: (m) => m.lexical.ttr },
  { label: 'cross-response Self-BLEU', pick: (m) => m.lexical.crossSelfBleu },
  { label: 'compression ratio', pick: (m) => m.lexical.compressionRatio },
  { label: 'semantic cosine distance', pick: semantic((s) => s.meanCosineDistance) },
  { label: 'Vendi score', pick: semantic((s) => s.vendi) },
];

function diversityNotes(models: readonly DiversityModelResult[]): string[] {
  const notes: string[] = [];
  const errors = models.reduce((s, m) => s + m.errors, 0);
  if (errors > 0) notes.push(`${errors} answers are errors and left out (retry with --retry-errors)`);
  const embedders = [...new Set(models.flatMap((m) => (m.semantic ? [`${m.semantic.embedder}${m.semantic.embedderKind === 'builtin' ? ' (builtin)' : ''}`] : [])))];
  if (embedders.length === 1) notes.push(`semantic: every condition embedded by ${embedders[0]}`);
  // Older results embedded each target with its own model: their semantic numbers are not comparable.
  if (embedders.length > 1) notes.push(`semantic: conditions embedded by different models (${embedders.join(', ')}), not comparable: rerun the diversity step`);
  return notes;
}

export const diversityPane: PaneModel = {
  id: 'diversity',
  title: 'Diversity of answers',
  needs: ['diversity'],
  views: () => DIVERSITY_METRICS.map((m) => m.label),
  draw: (loaded, view, opts) => drawMetric(need(loaded, 'diversity').models, DIVERSITY_METRICS[view], opts),
  table: (loaded, view) => metricTable('diversity', 'Diversity of answers', need(loaded, 'diversity').models, DIVERSITY_METRICS[view], diversityPane.notes(loaded)),
  notes: (loaded) => diversityNotes(need(loaded, 'diversity').models),
};
