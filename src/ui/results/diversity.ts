import { barChart, truncate } from '../../charts/index.js';
import type { DiversityModelResult, DiversityResultFile, SourceDiversityResult, Stat } from '../../pipeline/results.js';
import { directionText } from './direction.js';
import { STAT_COLUMNS, statCells } from './format.js';
import { drawMetric, metricTable, statRow, type MetricDef } from './metrics.js';
import { need, type PaneModel } from './model.js';

function semantic(pick: (s: NonNullable<DiversityModelResult['semantic']>) => Stat): (m: DiversityModelResult) => Stat {
  return (m) => (m.semantic ? pick(m.semantic) : { value: null, lo: null, hi: null, n: 0, reason: m.semanticReason ?? 'no embeddings' });
}

/** What a paired comparison of the paper's lexical diversity measures, in every table that shows one. */
export const LEXICAL_DIVERSITY_DIFFERENCE = 'lexical diversity difference';
/** The same for mean pairwise cosine distance, and that metric's label. */
export const COSINE_DISTANCE_DIFFERENCE = 'mean cosine distance difference';
export const COSINE_DISTANCE_METRIC = 'semantic cosine distance';

/** The paper's lexical diversity first, then the extended lexical and semantic measures. */
const MORE_DIVERSE = { better: 'higher' } as const;
export const DIVERSITY_METRICS: MetricDef<DiversityModelResult>[] = [
  { label: 'lexical diversity (100 - Self-BLEU)', direction: MORE_DIVERSE, pick: (m) => m.lexical.lexicalDiversity },
  { label: 'distinct-1', direction: MORE_DIVERSE, pick: (m) => m.lexical.distinct[1] },
  { label: 'distinct-2', direction: MORE_DIVERSE, pick: (m) => m.lexical.distinct[2] },
  { label: 'distinct-3', direction: MORE_DIVERSE, pick: (m) => m.lexical.distinct[3] },
  { label: 'distinct-4', direction: MORE_DIVERSE, pick: (m) => m.lexical.distinct[4] },
  { label: 'MATTR', direction: MORE_DIVERSE, pick: (m) => m.lexical.mattr },
  { label: 'MTLD', direction: MORE_DIVERSE, pick: (m) => m.lexical.mtld },
  { label: 'TTR', direction: MORE_DIVERSE, pick: (m) => m.lexical.ttr },
  { label: 'cross-response Self-BLEU', direction: { better: 'lower', why: 'answers less alike' }, pick: (m) => m.lexical.crossSelfBleu },
  { label: 'compression ratio', direction: { better: 'lower', why: 'less repetition' }, pick: (m) => m.lexical.compressionRatio },
  { label: COSINE_DISTANCE_METRIC, direction: MORE_DIVERSE, pick: semantic((s) => s.meanCosineDistance) },
  { label: 'Vendi score', direction: MORE_DIVERSE, pick: semantic((s) => s.vendi) },
];

function diversityNotes(models: readonly DiversityModelResult[]): string[] {
  const notes: string[] = [];
  const errors = models.reduce((s, m) => s + m.errors, 0);
  if (errors > 0) notes.push(`${errors} answers are errors and left out (retry with --retry-errors)`);
  // An answer the embedder failed on has no vector and is not a zero vector either: say so, or it is counted nowhere.
  const unembedded = models.reduce((s, m) => s + (m.semantic ? Math.max(0, m.answers - m.semantic.vectors - m.semantic.zeroVectors) : 0), 0);
  if (unembedded > 0) notes.push(`semantic: ${unembedded} answers have no embedding (the embedder failed) and are left out: retry with --retry-errors`);
  const embedders = [...new Set(models.flatMap((m) => (m.semantic ? [`${m.semantic.embedder}${m.semantic.embedderKind === 'builtin' ? ' (builtin)' : ''}`] : [])))];
  if (embedders.length === 1) notes.push(`semantic: every condition embedded by ${embedders[0]}`);
  // Older results embedded each target with its own model: their semantic numbers are not comparable.
  if (embedders.length > 1) notes.push(`semantic: conditions embedded by different models (${embedders.join(', ')}), not comparable: rerun the diversity step`);
  return notes;
}

/** The label of the view of each source's synthetic data; the paper reports it per source. */
export const SOURCE_DATA_VIEW = "sources' data: lexical diversity";
const SOURCE_DATA_NOTE = "a mix's diversity per response is the average of its sources' (each response has one writer)";

function sourceBars(sources: readonly SourceDiversityResult[]) {
  return sources.map((s) => statRow(s.source, s.lexicalDiversity));
}

/** The answers' metrics, with the sources' data second, right after the paper's measure it explains. */
function views(file: DiversityResultFile): { label: string; metric?: MetricDef<DiversityModelResult> }[] {
  const [paper, ...rest] = DIVERSITY_METRICS.map((metric) => ({ label: metric.label, metric }));
  return [paper, ...(file.sources?.length ? [{ label: SOURCE_DATA_VIEW }] : []), ...rest];
}

export const diversityPane: PaneModel = {
  id: 'diversity',
  scrolls: { head: 0, foot: 1 },
  title: 'Diversity of answers',
  needs: ['diversity'],
  views: (loaded) => views(need(loaded, 'diversity')).map((v) => v.label),
  draw: (loaded, view, opts) => {
    const file = need(loaded, 'diversity');
    const { metric } = views(file)[view];
    if (metric) return drawMetric(file.models, metric, opts);
    // The note says how to read these bars, so it belongs to this view only.
    const bars = barChart(sourceBars(file.sources ?? []), { ...opts, height: Math.max(1, opts.height - 1), order: 'given', axisNote: directionText(DIVERSITY_METRICS[0].direction, opts.ascii) });
    return opts.height > 1 ? `${bars}\n${truncate(SOURCE_DATA_NOTE, opts.width, opts.ascii)}` : bars;
  },
  table: (loaded, view) => {
    const file = need(loaded, 'diversity');
    const { metric } = views(file)[view];
    if (metric) return metricTable('diversity', 'Diversity of answers', file.models, metric, diversityPane.notes(loaded));
    return {
      pane: 'diversity',
      title: `Diversity of the sources' synthetic data: lexical diversity (100 - Self-BLEU)`,
      columns: ['source', 'family', 'size', 'responses', ...STAT_COLUMNS],
      rows: (file.sources ?? []).map((s) => [s.source, s.family, s.size, s.responses, ...statCells(s.lexicalDiversity)]),
      notes: [SOURCE_DATA_NOTE],
    };
  },
  notes: (loaded) => diversityNotes(need(loaded, 'diversity').models),
};
