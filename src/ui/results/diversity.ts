import type { DiversityModelResult, Stat } from '../../pipeline/results.js';
import { drawMetric, metricTable, type MetricDef } from './metrics.js';
import { need, type PaneModel } from './model.js';

function semantic(pick: (s: NonNullable<DiversityModelResult['semantic']>) => Stat): (m: DiversityModelResult) => Stat {
  return (m) => (m.semantic ? pick(m.semantic) : { value: null, lo: null, hi: null, n: 0, reason: m.semanticReason ?? 'no embeddings' });
}

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
  const borrowed = [...new Set(models.filter((m) => m.semantic?.embedderKind === 'builtin').map((m) => m.semantic!.embedder))];
  if (borrowed.length) notes.push(`semantic: embeddings by ${borrowed.join(', ')} (builtin) where a target has none`);
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
