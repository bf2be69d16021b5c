import { existsSync } from 'node:fs';
import { listBuiltinBases, openBuiltinModel } from '../../engines/builtin/index.js';
import type { LanguageModel } from '../../domain/models.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import { deriveSeed } from '../../util/rng.js';
import { conditionSources } from '../conditions.js';
import { readHumanSplit } from '../data/read.js';
import { readWrittenAnswers } from '../evaluation/answering.js';
import {
  runDiversityJobOffThread,
  type Comparisons,
  type ComparisonsJob,
  type ConditionDiversity,
  type ConditionJob,
  type DiversityJob,
  type DiversityJobResult,
} from '../evaluation/diversity-metrics.js';
import type { StepEvent } from '../../domain/events.js';
import { refOf, revisionOf, targetEntry, type Evaluated } from '../evaluation/evaluated.js';
import { evaluationFiles } from '../evaluation/files.js';
import { fingerprint, readFinished, writeFinished } from '../evaluation/finished.js';
import { itemKey, runKeyed, type KeyedRow } from '../evaluation/keyed.js';
import { sampleTestExamples } from '../evaluation/prompts.js';
import { streamWork } from '../evaluation/stream.js';
import { batchedEmbed, EMBED_BATCH } from '../evaluation/embed-batches.js';
import { perItemTable } from '../evaluation/per-item.js';
import { parallelismOf } from '../generation/source-run.js';
import { readSyntheticAnswers } from '../generation/answers.js';
import { paramsHashOf } from '../generation/answer-keys.js';
import { readResult, RESULT_VERSION, type DiversityModelResult, type DiversityResultFile, type SourceDiversityResult } from '../results.js';
import { studyInputs } from '../provenance.js';
import type { Step, StepContext } from '../step.js';
import type { Session } from '../../domain/session.js';

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

/** A job's options: its phases' progress reported as `task` (each phase its own unit), and the step's signal. */
const reportedAs = (task: string, emit: (e: StepEvent) => void, signal: AbortSignal) => ({
  signal,
  onProgress: (phase: string, done: number, total: number) => emit({ type: 'progress', task, done, total, unit: phase }),
});

/**
 * A job's result kept from an earlier run on the same inputs, or computed now on the pool and
 * kept (a resumed step skips what it finished).
 */
async function finishedOrRun<J extends DiversityJob>(file: string, task: string, job: J, emit: (e: StepEvent) => void, signal: AbortSignal): Promise<DiversityJobResult<J>> {
  const inputs = fingerprint(job);
  const kept = readFinished<DiversityJobResult<J>>(file, inputs);
  if (kept !== null) return kept;
  const result = await runDiversityJobOffThread(job, reportedAs(task, emit, signal));
  writeFinished(file, inputs, result);
  return result;
}

/**
 * The pairwise comparisons between conditions, a job per target (no pair crosses targets), put
 * back in the order one job over every condition gives: lexical pairs by their conditions'
 * order, semantic ones target by target.
 */
async function compareConditions(
  jobs: readonly ConditionJob[],
  computed: readonly ConditionDiversity[],
  seed: number,
  run: (target: string, job: ComparisonsJob) => Promise<Comparisons>,
): Promise<Comparisons> {
  const targets = [...new Set(jobs.map((j) => j.ref.target))];
  const results = await Promise.all(
    targets.map((target) => {
      const mine = jobs.flatMap((j, i) => (j.ref.target === target ? [i] : []));
      return run(target, {
        kind: 'comparisons',
        perItem: mine.map((i) => ({ ref: jobs[i].ref, values: computed[i].perItem })),
        vectors: mine.map((i) => ({ ref: jobs[i].ref, vectors: jobs[i].exampleIds.map((id, k) => [id, jobs[i].vectors[k]] as [string, number[] | undefined]) })),
        seed,
      });
    }),
  );
  const position = new Map(jobs.map((j, i) => [j.ref.condition, i]));
  const order = (x: { a: string; b: string }, y: { a: string; b: string }) => position.get(x.a)! - position.get(y.a)! || position.get(x.b)! - position.get(y.b)!;
  return { lexical: results.flatMap((r) => r.lexical).sort(order), semantic: results.flatMap((r) => r.semantic) };
}

/** Each source model's synthetic data (answers to the train instructions with its current generation parameters), where it has any. */
async function sourceTexts(ctx: StepContext): Promise<{ source: string; family: string; size: string; texts: string[] }[]> {
  const out = [];
  for (const entry of ctx.session.models.filter((m) => m.roles.includes('source'))) {
    const file = ctx.paths.synthetic(entry.id);
    if (!existsSync(file)) continue;
    const texts = [...(await readSyntheticAnswers(file, paramsHashOf(entry))).values()].flatMap((rows) => rows.map((r) => r.response!));
    if (texts.length > 0) out.push({ source: entry.id, family: entry.family, size: entry.size, texts });
  }
  return out;
}

function summaryOf(models: readonly DiversityModelResult[]): string {
  const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(1));
  return models.map((m) => `${m.condition} ${fmt(m.lexical.lexicalDiversity.value)}`).join(', ') + ' (100 − Self-BLEU)';
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
  const embedder = { id: emb.model.id, kind: emb.kind };
  const jobs: ConditionJob[] = evaluated.map((e, i) => {
    const answers = [...e.written.answers.values()];
    return {
      kind: 'condition',
      ref: refOf(e),
      exampleIds: answers.map((a) => a.exampleId),
      texts: answers.map((a) => a.response!),
      vectors: answers.map((a) => embedded[i].get(itemKey('embed', emb.model.id, a.key))?.vector),
      errors: e.written.errors,
      seed,
      embedder,
    };
  });
  const mixes = evaluated.map((e) => conditionSources(session, e.condition).map((s) => ({ source: s.model, weight: s.weight })));
  const sources = await sourceTexts(ctx);
  const path = paths.result('diversity');
  const inputs = fingerprint({ version: RESULT_VERSION, seed: session.seed, items, conditions: jobs, mixes, sources });
  const finished = readFinished<true>(files.diversityFinished, inputs) && existsSync(path) ? readResult(paths, 'diversity') : null;
  if (finished) {
    // Nothing changed since this step finished: its result stands as written.
    yield { type: 'log', level: 'info', message: 'diversity: every input is as it was when this result was computed; nothing to recompute' };
    yield { type: 'result', name: 'diversity', path, summary: summaryOf(finished.models) };
    yield { type: 'summary', text: summaryOf(finished.models) };
    return;
  }

  // Every job at once: the pool runs as many as it has threads, the rest wait their turn.
  const [{ computed, compared }, sourceResults] = yield* streamWork(ctx.signal, (emit, signal) => {
    const run = <J extends DiversityJob>(file: string, task: string, job: J) => finishedOrRun(file, task, job, emit, signal);
    const compare = (target: string, job: ComparisonsJob) => runDiversityJobOffThread(job, reportedAs(`comparisons ${target}`, emit, signal));
    return Promise.all([
      Promise.all(jobs.map((job) => run(files.diversity(job.ref.condition), job.ref.condition, job))).then(async (computed) => ({
        computed,
        compared: await compareConditions(jobs, computed, seed, compare),
      })),
      Promise.all(
        sources.map(
          async (s): Promise<SourceDiversityResult> => ({
            source: s.source,
            family: s.family,
            size: s.size,
            responses: s.texts.length,
            lexicalDiversity: await run(files.sourceDiversity(s.source), `source ${s.source}`, { kind: 'source', texts: s.texts, seed }),
          }),
        ),
      ),
    ]);
  });
  const models = computed.map((c, i) => ({ ...(mixes[i].length ? { mix: mixes[i] } : {}), ...c.model }));
  const perItem = computed.map((c, i) => ({ ref: jobs[i].ref, values: c.perItem }));
  const result: DiversityResultFile = {
    version: RESULT_VERSION,
    kind: 'diversity',
    createdAt: new Date(ctx.now()).toISOString(),
    seed: session.seed,
    inputs: studyInputs(session),
    embedder,
    models,
    lexicalDiversityComparisons: compared.lexical,
    semanticComparisons: compared.semantic,
    perItem: perItemTable(items, [{ measure: 'lexical-diversity', models: perItem.map((p) => ({ ref: p.ref, values: new Map(p.values) })) }]),
    sources: sourceResults,
  };
  writeJsonAtomic(path, result);
  writeFinished(files.diversityFinished, inputs, true);
  const text = summaryOf(models);
  yield { type: 'result', name: 'diversity', path, summary: text };
  yield { type: 'summary', text };
};
