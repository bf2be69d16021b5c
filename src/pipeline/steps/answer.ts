import { writeJsonAtomic } from '../../util/atomic.js';
import { readHumanSplit } from '../data/read.js';
import { prepareAnswers, type Writer } from '../evaluation/answering.js';
import { openEvaluated, refOf, type Evaluated } from '../evaluation/evaluated.js';
import { loadHarmfulPrompts, sampleTestExamples } from '../evaluation/prompts.js';
import { runPrepared, streamWork } from '../evaluation/stream.js';
import type { SourceAccounting } from '../generation/source-run.js';
import { RESULT_VERSION, type AnswerCounts, type AnswersResultFile } from '../results.js';
import { studyInputs } from '../provenance.js';
import type { Step } from '../step.js';

/** The name a condition's answers to the harmful prompts are keyed and seeded by. */
export const harmfulWriterName = (condition: string) => `${condition}#harmful`;

const counts = (a: SourceAccounting): AnswerCounts => ({
  items: a.keys,
  answered: a.answered,
  errors: a.errors,
  truncated: a.truncated,
  completionTokens: a.completionTokens,
});

/**
 * The answer cell: every evaluated model answers a seeded sample of the test instructions
 * (for the diversity metrics) and, when safety is on, the harmful prompts. Answers are keyed
 * and resumable like the generate step's.
 */
export const answerStep: Step = async function* (ctx) {
  const { session, paths } = ctx;
  const evaluated = await openEvaluated(ctx, 'generate', 'answering needs chat generation — check the model with `baskets models`');
  const test = await readHumanSplit(paths, 'test');
  const items = sampleTestExamples(test, session.evaluation.answers, session.seed, 'answers');
  const harmful = session.evaluation.safety.enabled ? await loadHarmfulPrompts(session) : null;
  const opts = { sessionSeed: session.seed, retryErrors: ctx.options.retryErrors };

  const writer = (e: Evaluated, name: string, file: string): Writer => ({ name, entry: e.target, revision: e.revision, model: e.model, file });
  const accounting = yield* streamWork(ctx.signal, async (emit, signal) => {
    const run = { signal, now: ctx.now, emit };
    const tests = evaluated.map((e) => prepareAnswers(writer(e, e.condition.name, paths.answers(e.condition.name)), items, opts, run));
    const harms = harmful
      ? evaluated.map((e) => prepareAnswers(writer(e, harmfulWriterName(e.condition.name), paths.safetyAnswers(e.condition.name)), harmful.prompts, opts, run))
      : [];
    // Every task's total is reported before any answer is asked for.
    const done = await runPrepared([...tests, ...harms]);
    return evaluated.map((e, i) => ({ ...refOf(e), test: counts(done[i]), harmful: harmful ? counts(done[evaluated.length + i]) : null }));
  });

  const result: AnswersResultFile = {
    version: RESULT_VERSION,
    kind: 'answers',
    createdAt: new Date(ctx.now()).toISOString(),
    seed: session.seed,
    inputs: studyInputs(session),
    items: items.length,
    harmfulPrompts: harmful && { origin: harmful.origin, count: harmful.prompts.length },
    models: accounting,
  };
  const path = paths.result('answers');
  writeJsonAtomic(path, result);
  const answered = accounting.reduce((s, m) => s + m.test.answered + (m.harmful?.answered ?? 0), 0);
  const total = accounting.reduce((s, m) => s + m.test.items + (m.harmful?.items ?? 0), 0);
  const errors = accounting.reduce((s, m) => s + m.test.errors + (m.harmful?.errors ?? 0), 0);
  const text =
    `${evaluated.length} model${evaluated.length === 1 ? '' : 's'}: ${answered}/${total} answered` +
    ` (${items.length} test instructions${harmful ? `, ${harmful.prompts.length} harmful prompts` : ''})` +
    (errors ? `, ${errors} errors (retry with --retry-errors)` : '');
  yield { type: 'result', name: 'answers', path, summary: text };
  yield { type: 'summary', text };
};
