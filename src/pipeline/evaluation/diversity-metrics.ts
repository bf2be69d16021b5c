/**
 * The diversity step's computations, as three jobs that run on a pool of worker threads
 * (diversity-worker.ts), as many at once as the pool has threads: one condition's metrics, one
 * source's lexical diversity, and the pairwise comparisons between one target's conditions.
 * Each reports its phases as it goes; the step's event loop stays free, and a cancel stops the
 * job's thread mid-phase. A job's result depends on the job alone, never on its thread.
 */
import { bootstrapMeanCosineDistance, textMetrics, unitRows, vendiScoreOnThreads, type TextMetrics } from '../../metrics/index.js';
import { paperSentences } from '../../metrics/sentences.js';
import { responseSelfBleu, withinResponseSelfBleu, type WithinSelfBleu } from '../../metrics/selfbleu.js';
import { bootstrapMean } from '../../metrics/stats.js';
import type { MetricValue } from '../../metrics/value.js';
import { workerModule, type JobProgress } from '../../util/worker-job.js';
import { workerThreadCount } from '../../settings.js';
import { lazyWorkerPool } from '../../util/worker-pool.js';
import { meanStat, pointStat, type DiversityModelResult, type EvaluatedRef, type PairedResult, type Stat } from '../results.js';
import { pairedByItem, pairedCosineByTarget } from './paired.js';

/** The paper's within-response Self-BLEU (0–100) of each response; null where a response cannot be scored. */
export function withinSelfBleuScores(answers: readonly string[], progress?: JobProgress): (number | null)[] {
  return answers.map((a, i) => {
    const score = responseSelfBleu(paperSentences(a));
    progress?.('within-response Self-BLEU', i + 1, answers.length);
    return score;
  });
}

/**
 * The paper's within-response Self-BLEU and its lexical diversity (100 − it) as Stats: the value
 * and its interval both from the paper's seeded sample of responses.
 */
function paperLexicalStats(summary: WithinSelfBleu, n: number, seed: number): { withinSelfBleu: Stat; lexicalDiversity: Stat } {
  const stat = (value: MetricValue, perResponse: number[]): Stat =>
    value.reason === null ? { ...meanStat(bootstrapMean(perResponse, { seed })), value: value.value } : pointStat(value, n);
  return {
    withinSelfBleu: stat(summary.selfBleu, summary.scores),
    lexicalDiversity: stat(summary.lexicalDiversity, summary.scores.map((x) => 100 - x)),
  };
}

/** Everything diversity reports for one model, from its answers and (optionally) their vectors. */
async function diversityOf(
  ref: EvaluatedRef,
  answers: string[],
  opts: {
    errors: number;
    seed: number;
    vectors?: (number[] | undefined)[];
    embedder?: { id: string; kind: 'session' | 'builtin' };
    progress?: JobProgress;
  },
): Promise<DiversityModelResult> {
  const { seed, vectors, embedder } = opts;
  const progress: JobProgress = opts.progress ?? (() => {});
  progress('lexical metrics', 0, 1);
  const m: TextMetrics = textMetrics(
    answers.map((text) => ({ text })),
    { seed },
  );
  progress('lexical metrics', 1, 1);
  const n = answers.length;
  const point = (x: MetricValue) => pointStat(x, n);
  const { withinSelfBleu, lexicalDiversity } = paperLexicalStats(m.withinSelfBleu, n, seed);
  const cross = m.crossSelfBleu;
  const crossSelfBleu = cross.selfBleu.reason === null ? meanStat(bootstrapMean(cross.scores.map((s) => s.bleu), { seed })) : point(cross.selfBleu);
  const embedded = vectors?.filter((v): v is number[] => v !== undefined) ?? [];
  let semantic: DiversityModelResult['semantic'] = null;
  if (embedded.length > 0 && embedder) {
    const units = unitRows(embedded);
    const cosine = bootstrapMeanCosineDistance(units, { seed }, (done, total) => progress('cosine-distance resamples', done, total));
    const vendi = await vendiScoreOnThreads(units, {
      onProgress: (phase, done, total) => progress(phase === 'gram' ? 'Vendi similarity rows' : 'Vendi eigen-reduction columns', done, total),
    });
    semantic = {
      embedder: embedder.id,
      embedderKind: embedder.kind,
      meanCosineDistance: meanStat(cosine, units.n),
      vendi: pointStat(vendi, units.n),
      vectors: units.n,
      zeroVectors: units.zeroVectors,
    };
  }
  return {
    ...ref,
    answers: n,
    errors: opts.errors,
    tokens: m.tokens,
    types: m.types,
    lexical: {
      ttr: point(m.ttr),
      distinct: { 1: point(m.distinct[1]), 2: point(m.distinct[2]), 3: point(m.distinct[3]), 4: point(m.distinct[4]) },
      mattr: point(m.mattr),
      mtld: point(m.mtld),
      compressionRatio: point(m.compressionRatio),
      crossSelfBleu,
      withinSelfBleu,
      lexicalDiversity,
      counts: {
        selfBleuHypotheses: cross.hypotheses,
        selfBleuSampled: cross.sampled,
        withinScored: m.withinSelfBleu.scored,
        withinSkipped: m.withinSelfBleu.skipped,
        withinIneligible: m.withinSelfBleu.ineligible,
      },
    },
    semantic,
    ...(semantic ? {} : { semanticReason: embedder ? 'no answer has an embedding (embedding failed: retry with --retry-errors)' : 'no embedder' }),
    heaps: {
      paper: m.heaps.paper.value,
      logLog: m.heaps.logLog.value,
      reasons: {
        ...(m.heaps.paper.reason !== null ? { paper: m.heaps.paper.reason } : {}),
        ...(m.heaps.logLog.reason !== null ? { logLog: m.heaps.logLog.reason } : {}),
      },
      curve: m.heaps.curve,
    },
  };
}

/** One condition's answers (in answer order) and their embeddings. */
export interface ConditionJob {
  kind: 'condition';
  ref: EvaluatedRef;
  /** Test example id of each answer. */
  exampleIds: string[];
  texts: string[];
  vectors: (number[] | undefined)[];
  errors: number;
  seed: number;
  embedder: { id: string; kind: 'session' | 'builtin' };
}

export interface ConditionDiversity {
  model: DiversityModelResult;
  /** Lexical diversity (100 − within-response Self-BLEU) of each answered test item that has one, in answer order. */
  perItem: [exampleId: string, value: number][];
}

/** A source's synthetic responses. */
export interface SourceJob {
  kind: 'source';
  texts: string[];
  seed: number;
}

/** Each condition's per-item lexical diversity and embeddings, in condition order (one target's conditions per job). */
export interface ComparisonsJob {
  kind: 'comparisons';
  perItem: { ref: EvaluatedRef; values: [string, number][] }[];
  vectors: { ref: EvaluatedRef; vectors: [string, number[] | undefined][] }[];
  seed: number;
}

export interface Comparisons {
  lexical: PairedResult[];
  semantic: PairedResult[];
}

export type DiversityJob = ConditionJob | SourceJob | ComparisonsJob;

async function conditionDiversity(job: ConditionJob, progress: JobProgress): Promise<ConditionDiversity> {
  const within = withinSelfBleuScores(job.texts, progress);
  const perItem = job.exampleIds.flatMap((id, j) => (within[j] === null ? [] : [[id, 100 - within[j]!] as [string, number]]));
  return { model: await diversityOf(job.ref, job.texts, { errors: job.errors, seed: job.seed, vectors: job.vectors, embedder: job.embedder, progress }), perItem };
}

/** The paper's lexical diversity of a source's synthetic data (only its seeded sample of responses is scored). */
function sourceLexicalDiversity(job: SourceJob, progress: JobProgress): Stat {
  progress('lexical diversity', 0, 1);
  const stat = paperLexicalStats(withinResponseSelfBleu(job.texts, { seed: job.seed }), job.texts.length, job.seed).lexicalDiversity;
  progress('lexical diversity', 1, 1);
  return stat;
}

function comparisons(job: ComparisonsJob, progress: JobProgress): Comparisons {
  progress('lexical-diversity pairs', 0, 1);
  const lexical = pairedByItem(
    job.perItem.map((m) => ({ ref: m.ref, values: new Map(m.values) })),
    job.seed,
  );
  progress('lexical-diversity pairs', 1, 1);
  const semantic = pairedCosineByTarget(
    job.vectors.map((m) => ({ ref: m.ref, vectors: new Map(m.vectors) })),
    job.seed,
    (target, done, total) => progress(`cosine-distance resamples of ${target}`, done, total),
  );
  return { lexical, semantic };
}

/** Runs a job on this thread: what the worker calls. */
export function runDiversityJob(job: DiversityJob, progress: JobProgress): Promise<ConditionDiversity> | Stat | Comparisons {
  switch (job.kind) {
    case 'condition':
      return conditionDiversity(job, progress);
    case 'source':
      return sourceLexicalDiversity(job, progress);
    case 'comparisons':
      return comparisons(job, progress);
  }
}

type JobOptions = { signal: AbortSignal; onProgress: JobProgress };
export type DiversityJobResult<J extends DiversityJob> = J extends ConditionJob ? ConditionDiversity : J extends SourceJob ? Stat : Comparisons;

// Sized by the workerThreads setting, read on first use.
const pool = lazyWorkerPool(workerModule(import.meta.url, 'diversity-worker'), workerThreadCount);

/** Runs a job on the pool's next free thread; an abort of the signal stops it at once. */
export function runDiversityJobOffThread<J extends DiversityJob>(job: J, opts: JobOptions): Promise<DiversityJobResult<J>> {
  return pool.get().runJob<DiversityJobResult<J>>(job, opts);
}
