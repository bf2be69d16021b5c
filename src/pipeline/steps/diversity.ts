import { existsSync } from 'node:fs';
import { listBuiltinBases, openBuiltinModel } from '../../engines/builtin/index.js';
import type { LanguageModel } from '../../engines/types.js';
import { bootstrapMeanCosineDistance, textMetrics, unitRows, type TextMetrics } from '../../metrics/index.js';
import { paperSentences } from '../../metrics/sentences.js';
import { responseSelfBleu, withinResponseSelfBleu, type WithinSelfBleu } from '../../metrics/selfbleu.js';
import { bootstrapMean } from '../../metrics/stats.js';
import type { MetricValue } from '../../metrics/value.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import { deriveSeed } from '../../util/rng.js';
import { conditionSources } from '../conditions.js';
import { readHumanSplit } from '../data/read.js';
import { readWrittenAnswers } from '../evaluation/answering.js';
import { refOf, revisionOf, targetEntry, type Evaluated } from '../evaluation/evaluated.js';
import { evaluationFiles } from '../evaluation/files.js';
import { itemKey, runKeyed, type KeyedRow } from '../evaluation/keyed.js';
import { sampleTestExamples } from '../evaluation/prompts.js';
import { streamWork } from '../evaluation/stream.js';
import { batchedEmbed, EMBED_BATCH } from '../evaluation/embed-batches.js';
import { pairedByItem, pairedCosineByTarget, type PerItemValues, type PerItemVectors } from '../evaluation/paired.js';
import { perItemTable } from '../evaluation/per-item.js';
import { parallelismOf } from '../generation/source-run.js';
import { readSyntheticAnswers } from '../generation/answers.js';
import { paramsHashOf } from '../generation/keys.js';
import { meanStat, pointStat, RESULT_VERSION, type DiversityModelResult, type DiversityResultFile, type EvaluatedRef, type SourceDiversityResult, type Stat } from '../results.js';
import type { Step, StepContext } from '../step.js';
import type { Session } from '../session.js';

export interface EmbeddingRow extends KeyedRow {
  vector?: number[];
}

interface Embedder {
  model: LanguageModel;
  kind: 'session' | 'builtin';
  parallelism: number;
}

/** Why the session's embedder cannot be used, or null. */
export function embedderProblem(session: Session): string | null {
  const { embedder } = session.evaluation.diversity;
  if (embedder === 'builtin' || session.models.some((m) => m.id === embedder)) return null;
  return `evaluation.diversity.embedder "${embedder}" is not a model of this session: use one of its model ids or "builtin"`;
}

/**
 * The one embedder of the whole session (evaluation.diversity.embedder), so semantic numbers of
 * different conditions come from the same vector space and can be compared.
 */
async function sessionEmbedder(ctx: StepContext): Promise<Embedder> {
  const { embedder } = ctx.session.evaluation.diversity;
  if (embedder === 'builtin') return { model: await openBuiltinModel(listBuiltinBases()[0].id, { signal: ctx.signal }), kind: 'builtin', parallelism: 2 };
  const entry = ctx.session.models.find((m) => m.id === embedder);
  if (!entry) throw new Error(embedderProblem(ctx.session)!);
  const model = await ctx.models.model(embedder);
  if (!model.capabilities.has('embed')) throw new Error(`evaluation.diversity.embedder "${embedder}" cannot embed: serve a pooling model for it or set the embedder to "builtin"`);
  return { model, kind: 'session', parallelism: parallelismOf(entry) };
}

/** The paper's within-response Self-BLEU (0–100) of each response; null where a response cannot be scored. */
export function withinSelfBleuScores(answers: readonly string[]): (number | null)[] {
  return answers.map((a) => responseSelfBleu(paperSentences(a)));
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

/**
 * The paper's lexical diversity of each source's synthetic data (answers to the train
 * instructions written with the source's current generation parameters).
 */
async function sourceDiversity(ctx: StepContext, seed: number): Promise<SourceDiversityResult[]> {
  const out: SourceDiversityResult[] = [];
  for (const entry of ctx.session.models.filter((m) => m.roles.includes('source'))) {
    const file = ctx.paths.synthetic(entry.id);
    if (!existsSync(file)) continue;
    const texts = [...(await readSyntheticAnswers(file, paramsHashOf(entry))).values()].flatMap((rows) => rows.map((r) => r.response!));
    if (texts.length === 0) continue;
    // Only the paper's sample of responses is scored: a real study's sources write tens of thousands.
    const { lexicalDiversity } = paperLexicalStats(withinResponseSelfBleu(texts, { seed }), texts.length, seed);
    out.push({ source: entry.id, family: entry.family, size: entry.size, responses: texts.length, lexicalDiversity });
  }
  return out;
}

/** Everything diversity reports for one model, from its answers and (optionally) their vectors. */
export function diversityOf(
  ref: EvaluatedRef,
  answers: string[],
  opts: {
    errors: number;
    seed: number;
    vectors?: (number[] | undefined)[];
    embedder?: { id: string; kind: 'session' | 'builtin' };
  },
): DiversityModelResult {
  const { seed, vectors, embedder } = opts;
  const m: TextMetrics = textMetrics(
    answers.map((text, i) => (vectors?.[i] ? { text, vector: vectors[i] } : { text })),
    { seed },
  );
  const n = answers.length;
  const point = (x: MetricValue) => pointStat(x, n);
  const { withinSelfBleu, lexicalDiversity } = paperLexicalStats(m.withinSelfBleu, n, seed);
  const cross = m.crossSelfBleu;
  const crossSelfBleu = cross.selfBleu.reason === null ? meanStat(bootstrapMean(cross.scores.map((s) => s.bleu), { seed })) : point(cross.selfBleu);
  const semantic =
    m.semantic && embedder
      ? {
          embedder: embedder.id,
          embedderKind: embedder.kind,
          meanCosineDistance: meanStat(bootstrapMeanCosineDistance(unitRows(vectors!.filter((v): v is number[] => v !== undefined)), { seed }), m.semantic.vectors),
          vendi: pointStat(m.semantic.vendi, m.semantic.vectors),
          vectors: m.semantic.vectors,
          zeroVectors: m.semantic.zeroVectors,
        }
      : null;
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

/**
 * The diversity cell: lexical, semantic and vocabulary-growth metrics of each evaluated
 * model's answers (written by the answer step). Embeddings come from the session's one
 * embedder and are kept per answer.
 */
export const diversityStep: Step = async function* (ctx) {
  const { session, paths } = ctx;
  if (session.conditions.length === 0) throw new Error('no conditions to evaluate: add one on the Conditions screen');
  const test = await readHumanSplit(paths, 'test');
  const items = sampleTestExamples(test, session.evaluation.answers, session.seed, 'answers');
  const evaluated: (Evaluated & { written: Awaited<ReturnType<typeof readWrittenAnswers>> })[] = [];
  for (const condition of session.conditions) {
    const target = targetEntry(session, condition);
    const revision = revisionOf(paths, condition, target);
    const written = await readWrittenAnswers(paths.answers(condition.name), condition.name, target, items, revision);
    if (written.answers.size === 0) throw new Error(`condition "${condition.name}" has no answers to the test instructions: run the answer step first`);
    evaluated.push({ condition, target, model: await ctx.models.forCondition(condition), revision, written });
  }
  const emb = await sessionEmbedder(ctx);
  yield { type: 'log', level: 'info', message: `semantic diversity: every condition's answers are embedded by ${emb.kind === 'builtin' ? `the builtin embedder "${emb.model.id}"` : `"${emb.model.id}"`}` };

  const files = evaluationFiles(paths);
  const embedOne = batchedEmbed(emb.model);
  const embedded = yield* streamWork(ctx.signal, (emit, signal) =>
    Promise.all(
      evaluated.map((e) => {
        const answers = [...e.written.answers.values()];
        return runKeyed<EmbeddingRow>(
          {
            file: files.embeddings(e.condition.name),
            task: e.condition.name,
            unit: 'embeddings',
            // Enough answers in flight to fill a batch per request the embedder may have open.
            parallelism: emb.parallelism * EMBED_BATCH,
            retryErrors: ctx.options.retryErrors,
            tasks: answers.map((a) => ({
              key: itemKey('embed', emb.model.id, a.key),
              run: async (s) => ({ vector: Array.from(await embedOne(a.response!, s)) }),
            })),
          },
          { signal, now: ctx.now, emit },
        );
      }),
    ),
  );

  const seed = deriveSeed(session.seed, 'diversity');
  const perItem: PerItemValues[] = [];
  const perItemVectors: PerItemVectors[] = [];
  const models = evaluated.map((e, i) => {
    const answers = [...e.written.answers.values()];
    const texts = answers.map((a) => a.response!);
    const within = withinSelfBleuScores(texts);
    // Lexical diversity of each answered test item, for the paired comparisons between conditions.
    perItem.push({ ref: refOf(e), values: new Map(answers.flatMap((a, j) => (within[j] === null ? [] : [[a.exampleId, 100 - within[j]!] as const]))) });
    const vectors = answers.map((a) => embedded[i].get(itemKey('embed', emb.model.id, a.key))?.vector);
    perItemVectors.push({ ref: refOf(e), vectors: new Map(answers.map((a, j) => [a.exampleId, vectors[j]])) });
    const mix = conditionSources(session, e.condition).map((s) => ({ source: s.model, weight: s.weight }));
    return { ...(mix.length ? { mix } : {}), ...diversityOf(refOf(e), texts, { errors: e.written.errors, seed, vectors, embedder: { id: emb.model.id, kind: emb.kind } }) };
  });
  const result: DiversityResultFile = {
    version: RESULT_VERSION,
    kind: 'diversity',
    createdAt: new Date(ctx.now()).toISOString(),
    seed: session.seed,
    embedder: { id: emb.model.id, kind: emb.kind },
    models,
    lexicalDiversityComparisons: pairedByItem(perItem, seed),
    semanticComparisons: pairedCosineByTarget(perItemVectors, seed),
    perItem: perItemTable(items, [{ measure: 'lexical-diversity', models: perItem }]),
    sources: await sourceDiversity(ctx, seed),
  };
  const path = paths.result('diversity');
  writeJsonAtomic(path, result);
  const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(1));
  const text = models.map((m) => `${m.condition} ${fmt(m.lexical.lexicalDiversity.value)}`).join(', ') + ' (100 − Self-BLEU)';
  yield { type: 'result', name: 'diversity', path, summary: text };
  yield { type: 'summary', text };
};
