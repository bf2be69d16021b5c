import type { Rating as EngineRating } from '../../domain/models.js';
import { inDangerZone, isRefusal, summarizeSafety, type Rating } from '../../metrics/safety.js';
import { bootstrapMean } from '../../metrics/stats.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import { deriveSeed } from '../../util/rng.js';
import { readWrittenAnswers, type WrittenAnswers } from '../evaluation/answering.js';
import { requireCapability, revisionOf, targetEntry } from '../evaluation/evaluated.js';
import { evaluationFiles } from '../evaluation/files.js';
import { itemKey, prepareKeyed, RAW_KEPT, type KeyedRow } from '../evaluation/keyed.js';
import { pairedByItem } from '../evaluation/paired.js';
import { perItemTable } from '../evaluation/per-item.js';
import { loadHarmfulPrompts } from '../evaluation/prompts.js';
import { runPrepared, streamWork } from '../evaluation/stream.js';
import { parallelismOf } from '../generation/source-run.js';
import { meanStat, RESULT_VERSION, type EvaluatedRef, type SafetyModelResult, type SafetyResultFile } from '../results.js';
import { studyInputs } from '../provenance.js';
import type { Session } from '../../domain/session.js';
import type { Step } from '../step.js';
import { harmfulWriterName } from './answer.js';

/** The judge's rating of one answer to a harmful prompt (raw replies kept for audit, cut short). */
export interface RatingRow extends KeyedRow, Partial<Omit<EngineRating, 'raw'>> {
  promptId?: string;
  raw?: EngineRating['raw'];
}

/** In each rating's key: ratings from before one rubric per dimension are not reused. */
const RATING_PROTOCOL = 'rubric-per-dimension';

/** The safety judge: evaluation.safety.judge, else the first model with the judge role. */
export function safetyJudgeId(session: Session): string {
  const id = session.evaluation.safety.judge ?? session.models.find((m) => m.roles.includes('judge'))?.id;
  if (!id) throw new Error('safety needs a judge: set evaluation.safety.judge or give a model the "judge" role on the Models screen');
  if (!session.models.some((m) => m.id === id)) throw new Error(`safety judge "${id}" is not a model of this session: fix evaluation.safety.judge`);
  return id;
}

/** Both scores of a rating row that holds them; null for a missing, failed or unreadable rating. */
function parsedRating(row: RatingRow | undefined): Rating | null {
  return row && row.error === undefined && row.quality != null && row.harm != null ? { quality: row.quality, harm: row.harm } : null;
}

/** One answer to a harmful prompt and the judge's rating of it, if any. */
export interface RatedAnswer {
  promptId: string;
  answer: string;
  rating: RatingRow | undefined;
}

/**
 * One model's safety numbers from its answers and their ratings (in prompt order). The refusal
 * rate is over every answer, rated or not: it needs no judge.
 */
export function aggregateSafety(ref: EvaluatedRef, items: RatedAnswer[], prompts: number, answerErrors: number, seed: number): SafetyModelResult {
  const rated = items.filter((i) => i.rating && i.rating.error === undefined);
  const ratingErrors = items.filter((i) => i.rating?.error !== undefined).length;
  const parsedOrNull = rated.map(({ rating }) => parsedRating(rating));
  const summary = summarizeSafety(parsedOrNull, items.map((i) => i.answer), { seed });
  const parsed = parsedOrNull.filter((r): r is Rating => r !== null);
  return {
    ...ref,
    prompts,
    answerErrors,
    answered: items.length,
    rated: rated.length,
    ratingErrors,
    parsed: summary.parsed,
    unparseable: summary.unparseable,
    unparseableIds: summary.unparseableItems.map((i) => rated[i].promptId),
    unparseableQuality: rated.filter((i) => i.rating!.quality == null).length,
    unparseableHarm: rated.filter((i) => i.rating!.harm == null).length,
    heuristicHarm: rated.filter((i) => i.rating!.heuristic).length,
    grid: summary.grid,
    dangerZone: meanStat(summary.dangerZone, summary.parsed),
    refusalRate: meanStat(summary.refusalRate, items.length),
    meanQuality: meanStat(bootstrapMean(parsed.map((r) => r.quality), { seed })),
    meanHarm: meanStat(bootstrapMean(parsed.map((r) => r.harm), { seed })),
  };
}

/**
 * The danger-zone indicator of each prompt with a parsed rating and the refusal indicator of
 * each answered prompt (1 or 0, keyed by prompt id): what the paired comparisons resample.
 */
export function safetyByPrompt(items: readonly RatedAnswer[]): { dangerZone: Map<string, number>; refusal: Map<string, number> } {
  const dangerZone = new Map<string, number>();
  const refusal = new Map<string, number>();
  for (const { promptId, answer, rating } of items) {
    refusal.set(promptId, isRefusal(answer) ? 1 : 0);
    const parsed = parsedRating(rating);
    if (parsed) dangerZone.set(promptId, inDangerZone(parsed) ? 1 : 0);
  }
  return { dangerZone, refusal };
}

/**
 * The safety cell: a judge rates every answer to the harmful prompts for quality and
 * harmfulness (1–5), one rubric reply per dimension, each score read from its first line; the
 * 5×5 grid, the danger zone (both ≥ 4) and the refusal rate per model. Unparseable ratings are
 * counted per model and dimension and listed; heuristic harm scores are marked.
 */
export const safetyStep: Step = async function* (ctx) {
  const { session, paths } = ctx;
  if (session.conditions.length === 0) throw new Error('no conditions to evaluate: add one on the Conditions screen');
  const judgeId = safetyJudgeId(session);
  const judgeEntry = session.models.find((m) => m.id === judgeId)!;
  const judge = await ctx.models.model(judgeId);
  requireCapability(judge, 'rate', 'safety needs a judge that rates answers: choose another judge in evaluation.safety.judge');
  const { origin, prompts } = await loadHarmfulPrompts(session);
  const conditions: { ref: EvaluatedRef; written: WrittenAnswers }[] = [];
  for (const condition of session.conditions) {
    const name = harmfulWriterName(condition.name);
    const target = targetEntry(session, condition);
    const written = await readWrittenAnswers(paths.safetyAnswers(condition.name), name, target, prompts, revisionOf(paths, condition, target));
    if (written.answers.size === 0) throw new Error(`condition "${condition.name}" has no answers to the harmful prompts: run the answer step first`);
    conditions.push({ ref: { condition: condition.name, target: target.id, kind: condition.kind }, written });
  }

  const files = evaluationFiles(paths);
  const ratingKey = (answerKey: string) => itemKey('rate', judgeId, answerKey, RATING_PROTOCOL);
  const ratings = yield* streamWork(ctx.signal, (emit, signal) =>
    runPrepared(
      conditions.map(({ ref, written }) =>
        prepareKeyed<RatingRow>(
          {
            file: files.ratings(ref.condition),
            task: ref.condition,
            unit: 'ratings',
            parallelism: parallelismOf(judgeEntry),
            retryErrors: ctx.options.retryErrors,
            apiKeyEnv: judgeEntry.engine.engine === 'openai' ? judgeEntry.engine.apiKeyEnv : undefined,
            tasks: prompts.flatMap((p) => {
              const answer = written.answers.get(p.id);
              if (!answer) return [];
              return [
                {
                  key: ratingKey(answer.key),
                  run: async (s: AbortSignal) => {
                    const r = await judge.rate(p.instruction, answer.response!, { signal: s });
                    const raw = { quality: r.raw.quality.slice(0, RAW_KEPT), harm: r.raw.harm.slice(0, RAW_KEPT) };
                    return { promptId: p.id, quality: r.quality, harm: r.harm, heuristic: r.heuristic, raw };
                  },
                },
              ];
            }),
          },
          { signal, now: ctx.now, emit },
        ),
      ),
    ),
  );

  const seed = deriveSeed(session.seed, 'safety');
  const rated = conditions.map(({ written }, i) =>
    prompts.flatMap((p): RatedAnswer[] => {
      const answer = written.answers.get(p.id);
      return answer ? [{ promptId: p.id, answer: answer.response!, rating: ratings[i].get(ratingKey(answer.key)) }] : [];
    }),
  );
  const models = conditions.map(({ ref, written }, i) => aggregateSafety(ref, rated[i], prompts.length, written.errors, seed));
  const byPrompt = rated.map(safetyByPrompt);
  const dangerZone = conditions.map(({ ref }, i) => ({ ref, values: byPrompt[i].dangerZone }));
  const refusal = conditions.map(({ ref }, i) => ({ ref, values: byPrompt[i].refusal }));
  const result: SafetyResultFile = {
    version: RESULT_VERSION,
    kind: 'safety',
    createdAt: new Date(ctx.now()).toISOString(),
    seed: session.seed,
    inputs: studyInputs(session),
    judge: judgeId,
    heuristic: models.some((m) => m.heuristicHarm > 0),
    prompts: { origin, count: prompts.length },
    models,
    dangerZoneComparisons: pairedByItem(dangerZone, seed),
    refusalComparisons: pairedByItem(refusal, seed),
    perItem: perItemTable(prompts, [
      { measure: 'danger-zone', models: dangerZone },
      { measure: 'refusal', models: refusal },
    ]),
  };
  const path = paths.result('safety');
  writeJsonAtomic(path, result);
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);
  const unparseable = models.reduce((s, m) => s + m.unparseable, 0);
  const text =
    models.map((m) => `${m.condition} ${pct(m.dangerZone.value)}`).join(', ') +
    ` in the danger zone (judge ${judgeId}${result.heuristic ? ', heuristic harm' : ''})` +
    (unparseable ? `; unparseable ratings: ${models.filter((m) => m.unparseable > 0).map((m) => `${m.condition} ${m.unparseable}`).join(', ')}` : '');
  yield { type: 'result', name: 'safety', path, summary: text };
  yield { type: 'summary', text };
};
