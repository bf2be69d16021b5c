import { perplexity, type ScoredText } from '../../metrics/perplexity.js';
import { bootstrapMean } from '../../metrics/stats.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import { deriveSeed } from '../../util/rng.js';
import { readHumanSplit } from '../data/read.js';
import { openEvaluated, refOf, type Evaluated } from '../evaluation/evaluated.js';
import { evaluationFiles } from '../evaluation/files.js';
import { itemKey, prepareKeyed, type KeyedRow } from '../evaluation/keyed.js';
import { runPrepared, streamWork } from '../evaluation/stream.js';
import { promptMessages, type Example } from '../../domain/example.js';
import { pairedByItem, type PerItemValues } from '../evaluation/paired.js';
import { perItemTable } from '../evaluation/per-item.js';
import { parallelismOf } from '../generation/source-run.js';
import { meanStat, pointStat, RESULT_VERSION, type PairedResult, type PerplexityModelResult, type PerplexityResultFile, type EvaluatedRef } from '../results.js';
import { studyInputs } from '../provenance.js';
import type { Step } from '../step.js';

/** One scored human test response: natural-log probabilities of its tokens. */
export interface ScoreRow extends KeyedRow {
  exampleId?: string;
  logprobs?: number[];
}

const scoreKey = (e: Evaluated, exampleId: string) => itemKey('perplexity', e.condition.name, JSON.stringify(e.revision), exampleId);

/** Per-item log-perplexity (mean token NLL) by example id, for paired comparisons. */
type LogPpl = Map<string, number>;

/** Perplexity of one model from its scored rows; per-item numbers come from the same metric. */
export function aggregatePerplexity(
  e: EvaluatedRef,
  rows: { example: Example; row: ScoreRow | undefined }[],
  seed: number,
): { result: PerplexityModelResult; logPpl: LogPpl } {
  const scored: (ScoredText & { id: string })[] = [];
  let errors = 0;
  for (const { example, row } of rows) {
    if (!row) continue;
    if (row.error !== undefined || !row.logprobs) errors++;
    else scored.push({ id: example.id, logprobs: row.logprobs, text: example.response });
  }
  const all = perplexity(scored);
  const perItem = scored.flatMap((s) => {
    const p = perplexity([s]).mean;
    return p.reason === null ? [{ id: s.id, ppl: p.value }] : [];
  });
  const n = all.responses;
  const result: PerplexityModelResult = {
    ...e,
    scored: scored.length,
    errors,
    tokens: all.tokens,
    emptySkipped: all.emptySkipped,
    mean: all.mean.reason === null ? meanStat(bootstrapMean(perItem.map((x) => x.ppl), { seed })) : pointStat(all.mean, n),
    corpus: pointStat(all.corpus, n),
    bitsPerByte: pointStat(all.bitsPerByte, n),
  };
  return { result, logPpl: new Map(perItem.map((x) => [x.id, Math.log(x.ppl)])) };
}

const logPplValues = (models: readonly { result: PerplexityModelResult; logPpl: LogPpl }[]): PerItemValues[] => models.map((m) => ({ ref: m.result, values: m.logPpl }));

/** Every pair of conditions of the same target, compared on the items both scored. */
export function pairedComparisons(models: { result: PerplexityModelResult; logPpl: LogPpl }[], seed: number): PairedResult[] {
  return pairedByItem(logPplValues(models), seed);
}

/**
 * The perplexity cell: each evaluated model's log-probs of the human test responses given the
 * chat-formatted instruction (response tokens only), kept per item so a rerun scores only
 * what is missing; then the paper's mean perplexity, corpus perplexity and bits per byte.
 */
export const perplexityStep: Step = async function* (ctx) {
  const { session, paths } = ctx;
  const evaluated = await openEvaluated(ctx, 'score', 'perplexity needs log-probs of a given text: serve it with vLLM or SGLang');
  const test = await readHumanSplit(paths, 'test');
  const files = evaluationFiles(paths);
  const rowsByModel = yield* streamWork(ctx.signal, (emit, signal) =>
    runPrepared(
      evaluated.map((e) =>
        prepareKeyed<ScoreRow>(
          {
            file: files.scores(e.condition.name),
            task: e.condition.name,
            unit: 'responses',
            parallelism: parallelismOf(e.target),
            retryErrors: ctx.options.retryErrors,
            apiKeyEnv: e.target.engine.engine === 'openai' ? e.target.engine.apiKeyEnv : undefined,
            tasks: test.map((ex) => ({
              key: scoreKey(e, ex.id),
              run: async (s) => ({ exampleId: ex.id, logprobs: (await e.model.score(promptMessages(ex), ex.response, { signal: s })).logprobs }),
            })),
          },
          { signal, now: ctx.now, emit },
        ),
      ),
    ),
  );

  const seed = deriveSeed(session.seed, 'perplexity');
  const models = evaluated.map((e, i) =>
    aggregatePerplexity(refOf(e), test.map((example) => ({ example, row: rowsByModel[i].get(scoreKey(e, example.id)) })), seed),
  );
  const result: PerplexityResultFile = {
    version: RESULT_VERSION,
    kind: 'perplexity',
    createdAt: new Date(ctx.now()).toISOString(),
    seed: session.seed,
    inputs: studyInputs(session),
    items: test.length,
    models: models.map((m) => m.result),
    comparisons: pairedComparisons(models, seed),
    perItem: perItemTable(test, [{ measure: 'log-perplexity', models: logPplValues(models) }]),
  };
  const path = paths.result('perplexity');
  writeJsonAtomic(path, result);
  const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(2));
  const text = result.models.map((m) => `${m.condition} ${fmt(m.mean.value)}`).join(', ') + ` (mean perplexity over ${test.length} test responses)`;
  const errors = result.models.reduce((s, m) => s + m.errors, 0);
  yield { type: 'result', name: 'perplexity', path, summary: text };
  yield { type: 'summary', text: errors ? `${text}; ${errors} responses failed to score (retry with --retry-errors)` : text };
};
